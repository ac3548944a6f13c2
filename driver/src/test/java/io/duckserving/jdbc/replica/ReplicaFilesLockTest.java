package io.duckserving.jdbc.replica;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two replicas of one JVM on the same files (a replica directory named through a link, or a
 * replica closing while its successor starts) take the install lock in turn, as two JVMs do,
 * instead of failing with OverlappingFileLockException.
 */
class ReplicaFilesLockTest {
    private static final S3Location LOCATION = new S3Location("lake", "prefix/analytics.duckdb");

    @TempDir
    Path dir;

    @Test
    void twoReplicasOfOneJvmOnTheSameFilesTakeTheLockInTurn() throws Exception {
        Path real = Files.createDirectory(dir.resolve("replicas"));
        Path link = Files.createSymbolicLink(dir.resolve("replicas-link"), real);
        ReplicaFiles first = new ReplicaFiles(LOCATION.servedPath(real));
        ReplicaFiles second = new ReplicaFiles(LOCATION.servedPath(link));
        first.createDirectory();

        CountDownLatch held = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        CompletableFuture<Void> holder = CompletableFuture.runAsync(() -> {
            try {
                first.locked(() -> {
                    held.countDown();
                    try {
                        release.await(10, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    return null;
                });
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        assertTrue(held.await(5, TimeUnit.SECONDS));

        AtomicBoolean ranWhileHeld = new AtomicBoolean();
        second.ifUnlocked(() -> {
            ranWhileHeld.set(true);
            return null;
        });
        assertFalse(ranWhileHeld.get(), "bookkeeping waits for a free lock");

        CompletableFuture<String> waiter = CompletableFuture.supplyAsync(() -> {
            try {
                return second.locked(() -> "installed");
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        Thread.sleep(200); // the waiter is blocked, not failed
        assertFalse(waiter.isDone(), "the second replica waits for the lock");
        release.countDown();
        holder.get(5, TimeUnit.SECONDS);
        assertEquals("installed", waiter.get(5, TimeUnit.SECONDS));
    }
}
