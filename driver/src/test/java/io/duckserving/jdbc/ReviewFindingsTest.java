package io.duckserving.jdbc;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Findings of the driver review: each test shows one gap between the code and DESIGN "Driver
 * semantics" / issue 2 / what JDBC clients rely on. They fail until the driver is fixed.
 */
class ReviewFindingsTest {
    @TempDir
    Path dir;
    Path target;

    @BeforeEach
    void publishFirstSnapshot() throws Exception {
        target = dir.resolve("analytics.duckdb");
        SnapshotFiles.publish(target, 1);
    }

    /**
     * Closing a connection closes everything it produced, metadata result sets too; otherwise a
     * forgotten getTables() result keeps the replaced snapshot (and its deleted file) open forever.
     */
    @Test
    void closingTheConnectionClosesItsMetaDataResultSetsAndLetsGoOfTheOldFile() throws Exception {
        ResultSet tables;
        try (Connection c = DriverManager.getConnection(SnapshotFiles.url(target))) {
            tables = c.getMetaData().getTables(null, null, "%", null);
        }
        try {
            assertTrue(tables.isClosed(), "a metadata result set of a closed connection is still open");
            SnapshotFiles.publish(target, 2);
            try (Connection other = DriverManager.getConnection(SnapshotFiles.url(target))) {
                assertEquals(2, SnapshotFiles.readVersion(other));
                Poll.until(Duration.ofSeconds(2), "no deleted snapshot file stays open after its connection closed",
                        () -> SnapshotFiles.openDeletedFiles(dir).isEmpty());
            }
        } finally {
            tables.close();
        }
    }

    /**
     * An idle connection is let go of at a swap; if its session state (here a schema the new file no
     * longer has) cannot be replayed, it must stay usable: the user must at least be able to reset it.
     */
    @Test
    void idleConnectionWhoseSessionStateCannotBeReplayedStaysUsable() throws Exception {
        try (Connection c = DriverManager.getConnection(SnapshotFiles.url(target))) {
            c.setSchema("other");
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT v FROM o")) {
                assertTrue(rs.next());
                assertEquals(1, rs.getInt(1));
            }
            publishWithoutSchemaOther(2);
            try (Connection other = DriverManager.getConnection(SnapshotFiles.url(target))) {
                assertEquals(2, SnapshotFiles.readVersion(other), "this connection's swap lets go of the idle one");
            }
            try {
                c.createStatement().executeQuery("SELECT 42").close();
            } catch (SQLException once) {
                // Failing once to report the lost schema is acceptable; failing forever is not.
            }
            assertDoesNotThrow(() -> c.setSchema("main"),
                    "the user cannot even reset the schema: every call replays the failing setSchema first");
            assertEquals(2, SnapshotFiles.readVersion(c));
        }
    }

    /**
     * A failure that ended because the path again shows the file we serve (moved away and back)
     * must not keep counting towards the staleness limit: a later, fresh failure is not "long".
     */
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

    /** After executeUpdate() the update count is the current result, for prepared statements too. */
    @Test
    void preparedExecuteUpdateSetsTheUpdateCount() throws Exception {
        try (Connection c = DriverManager.getConnection(SnapshotFiles.url(target));
             PreparedStatement ps = c.prepareStatement("CREATE TEMP TABLE scratch AS SELECT * FROM range(3)")) {
            assertEquals(3, ps.executeUpdate());
            assertEquals(3, ps.getUpdateCount());
        }
    }

    /**
     * DuckDB runs every statement of a multi-statement string. A temporary table created after the
     * first statement is a temporary object all the same: it must pin, not vanish silently at a swap.
     */
    @Test
    void temporaryTableCreatedAfterTheFirstStatementOfAScriptPinsTheConnection() throws Exception {
        try (Connection c = DriverManager.getConnection(SnapshotFiles.url(target)); Statement s = c.createStatement()) {
            s.execute("SELECT 1; CREATE TEMP TABLE scratch AS SELECT 42 AS answer");
            SnapshotFiles.publish(target, 2);
            assertDoesNotThrow(() -> {
                try (ResultSet rs = s.executeQuery("SELECT answer FROM scratch")) {
                    assertTrue(rs.next());
                }
            }, "the temporary table was lost silently when the connection moved to snapshot 2");
        }
    }

    /** Each DuckDB variable is its own piece of session state: a second SET VARIABLE must not replace the first. */
    @Test
    void everySetVariableSurvivesASwap() throws Exception {
        try (Connection c = DriverManager.getConnection(SnapshotFiles.url(target)); Statement s = c.createStatement()) {
            s.execute("SET VARIABLE region = 'north'");
            s.execute("SET VARIABLE year = 2024");
            SnapshotFiles.publish(target, 2);
            assertEquals(2, SnapshotFiles.readVersion(c));
            try (ResultSet rs = s.executeQuery("SELECT getvariable('region'), getvariable('year')")) {
                assertTrue(rs.next());
                assertEquals("north", rs.getString(1), "variable region was lost at the swap");
                assertEquals(2024, rs.getInt(2));
            }
        }
    }

    /** Publishes a snapshot of {@code version} that has t and meta but no schema "other". */
    private void publishWithoutSchemaOther(int version) throws Exception {
        Path temp = SnapshotFiles.tempBeside(target);
        try (Connection w = DriverManager.getConnection("jdbc:duckdb:" + temp); Statement s = w.createStatement()) {
            s.execute("CREATE TABLE t AS SELECT i::INTEGER AS id, " + version + "::INTEGER AS v FROM range("
                    + SnapshotFiles.DEFAULT_ROWS + ") r(i)");
            s.execute("CREATE TABLE meta AS SELECT " + version + "::INTEGER AS version, "
                    + SnapshotFiles.DEFAULT_ROWS + "::BIGINT AS row_count");
            s.execute("CHECKPOINT");
        }
        SnapshotFiles.moveOver(temp, target);
    }
}
