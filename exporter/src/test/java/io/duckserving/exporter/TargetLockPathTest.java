package io.duckserving.exporter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Lock paths that can never be locked fail at once, naming the lock file, instead of retrying. */
class TargetLockPathTest {

    @TempDir
    Path dir;

    @Test
    void aDanglingSymlinkAtTheLockPathFailsNamingIt() throws Exception {
        Path target = dir.resolve("analytics.duckdb");
        Path lockFile = Files.createSymbolicLink(TargetLock.lockFileOf(target), dir.resolve("gone/nowhere.lock"));
        ExportException e = assertThrows(ExportException.class, () -> TargetLock.acquire(target, Duration.ofSeconds(60)));
        assertEquals(ExportException.Reason.INVALID_REQUEST, e.reason());
        assertTrue(e.getMessage().contains(lockFile.toString()), e.getMessage());
    }

    @Test
    void aMissingTargetDirectoryFailsNamingIt() {
        Path target = dir.resolve("missing/analytics.duckdb");
        ExportException e = assertThrows(ExportException.class, () -> TargetLock.acquire(target, Duration.ofSeconds(60)));
        assertTrue(e.getMessage().contains(dir.resolve("missing").toString()), e.getMessage());
    }
}
