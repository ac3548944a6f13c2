package io.duckserving.exporter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One exporter per target, also within one JVM. */
class TargetLockTest {

    @TempDir
    Path dir;

    @Test
    void aSecondExporterGivingUpInTheSameJvmDoesNotDropTheFirstOnesLock() throws Exception {
        Path target = dir.resolve("analytics.duckdb");
        try (TargetLock first = TargetLock.acquire(target, Duration.ZERO)) {
            ExportException e = assertThrows(ExportException.class,
                    () -> TargetLock.acquire(target, Duration.ofMillis(200)));
            assertEquals(ExportException.Reason.TARGET_LOCKED, e.reason());

            Process other = ChildJvm.main(TryLock.class, TargetLock.lockFileOf(target).toString());
            String answer = new String(other.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            assertTrue(other.waitFor(60, TimeUnit.SECONDS));
            assertEquals("busy", answer, "another process must not get the lock while the first exporter holds it");
        }
    }

    public static final class TryLock {
        public static void main(String[] args) throws Exception {
            try (FileChannel ch = FileChannel.open(Path.of(args[0]), StandardOpenOption.WRITE)) {
                FileLock lock = ch.tryLock();
                System.out.println(lock != null ? "locked" : "busy");
            }
        }
    }
}
