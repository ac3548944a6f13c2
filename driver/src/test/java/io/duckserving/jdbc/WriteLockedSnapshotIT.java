package io.duckserving.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A second process (a pipeline) holds the DuckDB write lock on the published file. */
class WriteLockedSnapshotIT {
    @TempDir
    Path dir;

    @Test
    void readersKeepTheLastGoodSnapshotWhileTheNewFileIsWriteLocked() throws Exception {
        Path target = dir.resolve("analytics.duckdb");
        SnapshotFiles.publish(target, 1);
        String url = SnapshotFiles.url(target, "serving_retry_interval_ms=100");
        try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
            assertEquals(1, SnapshotFiles.read(s).version);

            Path next = SnapshotFiles.tempBeside(target);
            SnapshotFiles.write(next, 2, SnapshotFiles.DEFAULT_ROWS);
            try (LockHolderProcess holder = LockHolderProcess.lock(next)) {
                SnapshotFiles.moveOver(next, target);
                long until = System.nanoTime() + Duration.ofMillis(500).toNanos();
                int statements = 0;
                while (System.nanoTime() < until || statements < 10) {
                    assertEquals(1, SnapshotFiles.read(s).version, "while process " + holder.pid() + " holds the lock");
                    statements++;
                }
                try (Connection late = DriverManager.getConnection(url)) {
                    assertEquals(1, SnapshotFiles.readVersion(late), "a new connection gets the last good snapshot");
                }
            }
            Poll.until(Duration.ofSeconds(10), "readers move to the new file once the writer let go",
                    () -> SnapshotFiles.read(s).version == 2);
        }
    }

    @Test
    void connectingWithNoGoodSnapshotFailsClearlyWhileTheFileIsWriteLocked() throws Exception {
        Path target = dir.resolve("locked.duckdb");
        SnapshotFiles.publish(target, 1);
        String url = SnapshotFiles.url(target);
        try (LockHolderProcess holder = LockHolderProcess.lock(target)) {
            SQLException e = assertThrows(SQLException.class, () -> DriverManager.getConnection(url).close());
            assertEquals("08001", e.getSQLState(), e.toString());
            assertTrue(e.getMessage().contains(target.toString()), "names the file: " + e.getMessage());
            assertTrue(mentionsLock(e), "says the file is locked by another process: " + e.getMessage());
        }
        try (Connection c = DriverManager.getConnection(url)) {
            assertEquals(1, SnapshotFiles.readVersion(c), "connecting works once the writer let go");
        }
    }

    private static boolean mentionsLock(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t.getMessage() != null && t.getMessage().toLowerCase(Locale.ROOT).contains("lock")) {
                return true;
            }
        }
        return false;
    }
}
