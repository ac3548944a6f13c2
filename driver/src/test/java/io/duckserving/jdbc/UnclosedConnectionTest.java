package io.duckserving.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A connection garbage collected without close() is released, with one warning naming its path. */
class UnclosedConnectionTest {
    @TempDir
    Path dir;
    Path target;
    private final List<LogRecord> records = new CopyOnWriteArrayList<>();
    private final Logger logger = Logger.getLogger(ServingDriver.LOGGER_NAME);
    private final Handler handler = new Handler() {
        @Override
        public void publish(LogRecord record) {
            records.add(record);
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    @BeforeEach
    void publishAndListen() throws Exception {
        target = dir.resolve("analytics.duckdb");
        SnapshotFiles.publish(target, 1);
        logger.addHandler(handler);
    }

    @AfterEach
    void stopListening() {
        logger.removeHandler(handler);
    }

    /**
     * Opens a connection in a transaction on version 1 (which pins that snapshot) and drops it. Returns
     * nothing, so no reference to it survives this frame.
     */
    private void openInATransactionAndNeverClose(String... options) throws Exception {
        Connection c = DriverManager.getConnection(SnapshotFiles.url(target, options));
        c.setAutoCommit(false);
        assertEquals(1, SnapshotFiles.readVersion(c));
    }

    /** Collects garbage until the warning about an unclosed connection to {@code path} arrives. */
    private LogRecord awaitUnclosedWarning(Path path) throws Exception {
        Poll.until(Duration.ofSeconds(30), "a warning about the unclosed connection to " + path, () -> {
            System.gc();
            return !unclosedWarnings(path).isEmpty();
        });
        List<LogRecord> found = unclosedWarnings(path);
        assertEquals(1, found.size(), "one warning per unclosed connection: " + messages(found));
        return found.get(0);
    }

    private List<LogRecord> unclosedWarnings(Path path) {
        return records.stream().filter(r -> r.getMessage() != null && r.getMessage().contains("without being closed")
                && r.getMessage().contains(path.toString())).collect(Collectors.toList());
    }

    private static String messages(List<LogRecord> found) {
        return found.stream().map(LogRecord::getMessage).collect(Collectors.joining(" | "));
    }

    /** The leaked connection's transaction pinned version 1: its file stays open until the connection is released. */
    private void assertTheLeakedSnapshotIsReleased() throws Exception {
        Poll.until(Duration.ofSeconds(10), "the unclosed connection's old snapshot file is let go",
                () -> SnapshotFiles.openDeletedFiles(dir).isEmpty());
    }

    @Test
    void anUnclosedConnectionIsReleasedWhenCollectedWithOneWarningNamingItsPath() throws Exception {
        openInATransactionAndNeverClose();
        SnapshotFiles.publish(target, 2);
        try (Connection other = DriverManager.getConnection(SnapshotFiles.url(target))) {
            assertEquals(2, SnapshotFiles.readVersion(other));
            LogRecord warning = awaitUnclosedWarning(target);
            assertEquals(Level.WARNING, warning.getLevel());
            assertNull(warning.getThrown(), "no stack trace unless serving_log_unclosed_connections=true");
            assertTrue(warning.getMessage().contains("serving_log_unclosed_connections"), warning.getMessage());
            assertTheLeakedSnapshotIsReleased();
        }
    }

    @Test
    void withTheLogPropertyTheWarningShowsWhereTheConnectionWasOpened() throws Exception {
        openInATransactionAndNeverClose("serving_log_unclosed_connections=true");
        SnapshotFiles.publish(target, 2);
        try (Connection other = DriverManager.getConnection(SnapshotFiles.url(target))) {
            assertEquals(2, SnapshotFiles.readVersion(other));
            LogRecord warning = awaitUnclosedWarning(target);
            assertEquals(Level.WARNING, warning.getLevel());
            Throwable openedAt = warning.getThrown();
            assertNotNull(openedAt, "the record carries where the connection was opened");
            assertTrue(Arrays.stream(openedAt.getStackTrace())
                    .anyMatch(e -> e.getMethodName().equals("openInATransactionAndNeverClose")),
                    Arrays.toString(openedAt.getStackTrace()));
            assertTheLeakedSnapshotIsReleased();
        }
    }

    @Test
    void aClosedConnectionLogsNoWarningWhenCollected() throws Exception {
        Path closedPath = dir.resolve("closed.duckdb");
        SnapshotFiles.publish(closedPath, 1);
        openAndClose(closedPath);
        openInATransactionAndNeverClose(); // its warning proves the collector ran
        awaitUnclosedWarning(target);
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(50);
        }
        assertEquals(List.of(), unclosedWarnings(closedPath).stream().map(LogRecord::getMessage)
                .collect(Collectors.toList()));
    }

    private static void openAndClose(Path path) throws Exception {
        try (Connection c = DriverManager.getConnection(SnapshotFiles.url(path, "serving_log_unclosed_connections=true"))) {
            assertEquals(1, SnapshotFiles.readVersion(c));
        }
    }
}
