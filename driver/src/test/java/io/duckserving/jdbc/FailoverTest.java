package io.duckserving.jdbc;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import java.nio.file.StandardCopyOption;
import java.sql.PreparedStatement;
import java.sql.ResultSet;

/** A file that cannot be opened, published over a good snapshot, never breaks readers. */
class FailoverTest extends PublishedSnapshotTest {
    @ParameterizedTest
    @ValueSource(strings = {"junk", "zero-bytes", "truncated", "missing"})
    void readersKeepTheLastGoodSnapshotAndMoveOnceAGoodFileIsPublished(String kind) throws Exception {
        String url = SnapshotFiles.url(target, "serving_retry_interval_ms=100");
        try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
            assertEquals(1, SnapshotFiles.read(s).version);
            publishBroken(kind);
            for (int i = 0; i < 20; i++) {
                assertEquals(1, SnapshotFiles.read(s).version, "statement " + i + " after a " + kind + " file appeared");
            }
            try (Connection second = DriverManager.getConnection(url)) {
                assertEquals(1, SnapshotFiles.readVersion(second),
                        "a new connection is served the last good snapshot too");
            }
            Files.deleteIfExists(target);
            SnapshotFiles.publish(target, 3);
            Poll.until(Duration.ofSeconds(5), "the reader moves to the good file published after the " + kind + " one",
                    () -> SnapshotFiles.read(s).version == 3);
        }
    }

    @Test
    void aBrokenFileIsNotRetriedOnEveryStatement() throws Exception {
        String url = SnapshotFiles.url(target, "serving_retry_interval_ms=60000");
        try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
            assertEquals(1, SnapshotFiles.read(s).version);
            SnapshotFiles.publishJunk(target);
            assertEquals(1, SnapshotFiles.read(s).version);
            long opened = ServingDriver.snapshotsOpened();
            for (int i = 0; i < 50; i++) {
                assertEquals(1, SnapshotFiles.read(s).version);
            }
            assertEquals(opened, ServingDriver.snapshotsOpened(), "the junk file must not be reopened per statement");
        }
    }

    /**
     * Inode numbers are reused at once (ext4 hands the freed number to the next new file): a good
     * file must not be mistaken for the broken one that had its file key a moment ago.
     */
    @Test
    void aGoodFileIsOpenedEvenIfItReusesTheFileKeyOfAFailedOne() throws Exception {
        String url = SnapshotFiles.url(target, "serving_retry_interval_ms=60000");
        try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
            assertEquals(1, SnapshotFiles.read(s).version);
            SnapshotFiles.publishJunk(target);
            Object junkKey = Files.readAttributes(target, BasicFileAttributes.class).fileKey();
            assertEquals(1, SnapshotFiles.read(s).version);
            Files.delete(target);
            assertEquals(1, SnapshotFiles.read(s).version);
            SnapshotFiles.publish(target, 2);
            Object goodKey = Files.readAttributes(target, BasicFileAttributes.class).fileKey();
            System.out.println("junk file key " + junkKey + ", good file key " + goodKey
                    + (junkKey.equals(goodKey) ? " (reused)" : ""));
            Poll.until(Duration.ofSeconds(5), "the good file (file key " + goodKey + ") is opened although the junk file "
                    + "had key " + junkKey + " and the retry interval is 60 s", () -> SnapshotFiles.read(s).version == 2);
        }
    }

    @Test
    void maxStalenessTurnsALongFailureIntoAnError() throws Exception {
        String url = SnapshotFiles.url(target, "serving_max_staleness_ms=300", "serving_retry_interval_ms=50");
        try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
            assertEquals(1, SnapshotFiles.read(s).version);
            SnapshotFiles.publishJunk(target);
            long failingSince = System.nanoTime();
            SQLException[] seen = new SQLException[1];
            Poll.until(Duration.ofSeconds(10), "a statement fails once the junk file has been there for 300 ms", () -> {
                try {
                    SnapshotFiles.read(s);
                    return false;
                } catch (SQLException e) {
                    seen[0] = e;
                    return true;
                }
            });
            assertTrue(System.nanoTime() - failingSince >= Duration.ofMillis(300).toNanos(),
                    "failed before the staleness limit");
            SQLException e = seen[0];
            assertTrue(e.getSQLState() != null && e.getSQLState().startsWith("08"), "SQLState " + e.getSQLState());
            assertTrue(e.getMessage().contains(target.toString()), "the error names the file: " + e.getMessage());
            assertTrue(e.getMessage().contains("serving_max_staleness_ms"),
                    "the error names the limit that was hit: " + e.getMessage());

            SnapshotFiles.publish(target, 2);
            Poll.until(Duration.ofSeconds(5), "statements work again once a good file is published", () -> {
                try {
                    return SnapshotFiles.read(s).version == 2;
                } catch (SQLException stillStale) {
                    return false;
                }
            });
        }
    }

    @Test
    void withoutAStalenessLimitTheOldSnapshotIsServedForLong() throws Exception {
        String url = SnapshotFiles.url(target, "serving_retry_interval_ms=20");
        try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
            assertEquals(1, SnapshotFiles.read(s).version);
            SnapshotFiles.publishZeroBytes(target);
            long until = System.nanoTime() + Duration.ofMillis(400).toNanos();
            while (System.nanoTime() < until) {
                assertEquals(1, SnapshotFiles.read(s).version);
            }
        }
    }

    private void publishBroken(String kind) throws Exception {
        switch (kind) {
            case "junk":
                SnapshotFiles.publishJunk(target);
                break;
            case "zero-bytes":
                SnapshotFiles.publishZeroBytes(target);
                break;
            case "truncated":
                SnapshotFiles.publishTruncated(target, 2);
                break;
            case "missing":
                Files.delete(target);
                break;
            default:
                throw new IllegalArgumentException(kind);
        }
    }

    @Test
    void anEndedFailureDoesNotCountTowardsTheStalenessOfALaterOne() throws Exception {
        String url = SnapshotFiles.url(target, "serving_max_staleness_ms=300");
        try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
            Path aside = dir.resolve("aside.duckdb");
            Files.move(target, aside, StandardCopyOption.ATOMIC_MOVE);
            assertEquals(1, SnapshotFiles.read(s).version, "missing file: the last good snapshot is served");
            Files.move(aside, target, StandardCopyOption.ATOMIC_MOVE);
            assertEquals(1, SnapshotFiles.read(s).version, "the same file is back: no failure any more");
            long until = System.nanoTime() + Duration.ofMillis(500).toNanos();
            while (System.nanoTime() < until) {
                assertEquals(1, SnapshotFiles.read(s).version);
            }
            SnapshotFiles.publishJunk(target);
            assertDoesNotThrow(() -> SnapshotFiles.read(s),
                    "a junk file published just now is reported as unreadable for longer than 300 ms");
        }
    }
}
