package io.duckserving.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Which snapshot each kind of work reads when a new file is renamed over the path. */
class SnapshotSwapTest extends PublishedSnapshotTest {
    @Test
    void nextStatementAfterTheRenameSeesTheNewSnapshot() throws Exception {
        try (Connection c = DriverManager.getConnection(SnapshotFiles.url(target)); Statement s = c.createStatement()) {
            assertEquals(1, SnapshotFiles.read(s).version);
            for (int version = 2; version <= 4; version++) {
                SnapshotFiles.publish(target, version);
                assertEquals(version, SnapshotFiles.read(s).version, "a statement created before the swap");
                assertEquals(version, SnapshotFiles.readVersion(c), "a new statement");
            }
        }
    }

    /** Enough rows for several DuckDB chunks, so a streaming result really is read lazily. */
    @ParameterizedTest
    @ValueSource(strings = {"jdbc_stream_results=false", "jdbc_stream_results=true"})
    void openResultSetKeepsReadingItsSnapshotAcrossASwap(String streaming) throws Exception {
        int rows = 10_000;
        SnapshotFiles.publish(target, 2, rows);
        try (Connection c = DriverManager.getConnection(SnapshotFiles.url(target, streaming));
             Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT id, v FROM t ORDER BY id")) {
            assertTrue(rs.next());
            assertEquals(2, rs.getInt(2));

            SnapshotFiles.publish(target, 3, 50);
            assertEquals(3, SnapshotFiles.readVersion(c), "a new statement on the same connection sees the new file");

            int read = 1;
            while (rs.next()) {
                assertEquals(read, rs.getInt(1));
                assertEquals(2, rs.getInt(2), "row " + read + " of the open result set");
                read++;
            }
            assertEquals(rows, read, "the open result set reads its whole snapshot");
        }
    }

    @Test
    void checkIntervalRateLimitsTheFileCheck() throws Exception {
        try (Connection slow = DriverManager.getConnection(
                     SnapshotFiles.url(target, "serving_check_interval_ms=60000", "serving_watch_interval_ms=0"));
             Connection quick = DriverManager.getConnection(
                     SnapshotFiles.url(target, "serving_check_interval_ms=100", "serving_watch_interval_ms=0",
                             "threads=1"))) {
            assertEquals(1, SnapshotFiles.readVersion(slow));
            assertEquals(1, SnapshotFiles.readVersion(quick));
            SnapshotFiles.publish(target, 2);
            for (int i = 0; i < 5; i++) {
                assertEquals(1, SnapshotFiles.readVersion(slow), "checks at most once a minute");
            }
            Poll.until(Duration.ofSeconds(5), "a 100 ms check interval notices the new file",
                    () -> SnapshotFiles.readVersion(quick) == 2);
        }
    }

    @Test
    void transactionKeepsItsSnapshotAcrossSwaps() throws Exception {
        try (Connection c = DriverManager.getConnection(SnapshotFiles.url(target))) {
            c.setAutoCommit(false);
            assertEquals(1, SnapshotFiles.readVersion(c));
            SnapshotFiles.publish(target, 2);
            assertEquals(1, SnapshotFiles.readVersion(c), "the transaction keeps the snapshot it started on");
            SnapshotFiles.publish(target, 3);
            assertEquals(1, SnapshotFiles.readVersion(c), "through a second swap too");
            try (PreparedStatement ps = c.prepareStatement("SELECT v FROM other.o"); ResultSet rs = ps.executeQuery()) {
                rs.next();
                assertEquals(1, rs.getInt(1), "prepared statements inside the transaction read its snapshot too");
            }
            c.commit();
            assertEquals(3, SnapshotFiles.readVersion(c), "after commit the next transaction starts on the newest file");
            SnapshotFiles.publish(target, 4);
            assertEquals(3, SnapshotFiles.readVersion(c), "still autocommit=false: a new transaction began at the last read");
            c.rollback();
            assertEquals(4, SnapshotFiles.readVersion(c), "after rollback too");
            c.setAutoCommit(true);
            SnapshotFiles.publish(target, 5);
            assertEquals(5, SnapshotFiles.readVersion(c), "back in autocommit every statement moves");
        }
    }

    /** JDBC: a transaction begins with its first statement; nothing published before that may be missed. */
    @Test
    void transactionStartsOnTheSnapshotCurrentAtItsFirstStatement() throws Exception {
        try (Connection c = DriverManager.getConnection(SnapshotFiles.url(target))) {
            assertEquals(1, SnapshotFiles.readVersion(c));
            c.setAutoCommit(false);
            SnapshotFiles.publish(target, 2);
            assertEquals(2, SnapshotFiles.readVersion(c), "published after setAutoCommit(false), before the first statement");
            c.commit();
            SnapshotFiles.publish(target, 3);
            assertEquals(3, SnapshotFiles.readVersion(c), "published after commit, before the next transaction's first statement");
            c.rollback();
            SnapshotFiles.publish(target, 4);
            assertEquals(4, SnapshotFiles.readVersion(c), "published after rollback, before the next first statement");
            SnapshotFiles.publish(target, 5);
            assertEquals(4, SnapshotFiles.readVersion(c), "and then the transaction keeps it");
        }
    }

    /** Preparing and metadata lookups are not statements: they must not fix the transaction's snapshot. */
    @Test
    void preparingOrLookingUpMetadataDoesNotStartTheTransaction() throws Exception {
        try (Connection c = DriverManager.getConnection(SnapshotFiles.url(target))) {
            c.setAutoCommit(false);
            PreparedStatement ps = c.prepareStatement(SnapshotFiles.VERSION_QUERY);
            try (ResultSet tables = c.getMetaData().getTables(null, null, "t", null)) {
                assertTrue(tables.next(), "metadata finds table t");
            }
            SnapshotFiles.publish(target, 2);
            try (ResultSet rs = ps.executeQuery()) {
                assertEquals(2, SnapshotFiles.checkedRead(rs).version, "the transaction starts at this first execution");
            }
            SnapshotFiles.publish(target, 3);
            assertEquals(2, SnapshotFiles.readVersion(c), "and keeps its snapshot from then on");
            c.commit();
        }
    }

    @Test
    void setAutoCommitTrueEndsTheTransactionAndMoves() throws Exception {
        try (Connection c = DriverManager.getConnection(SnapshotFiles.url(target))) {
            c.setAutoCommit(false);
            assertEquals(1, SnapshotFiles.readVersion(c));
            SnapshotFiles.publish(target, 2);
            c.setAutoCommit(true); // JDBC: commits the open transaction
            assertEquals(2, SnapshotFiles.readVersion(c));
        }
    }

    @Test
    void sqlTransactionKeepsItsSnapshotAcrossSwaps() throws Exception {
        try (Connection c = DriverManager.getConnection(SnapshotFiles.url(target)); Statement s = c.createStatement()) {
            s.execute("BEGIN TRANSACTION");
            assertEquals(1, SnapshotFiles.read(s).version);
            SnapshotFiles.publish(target, 2);
            assertEquals(1, SnapshotFiles.read(s).version, "BEGIN ... COMMIT in SQL is a transaction too");
            s.execute("COMMIT");
            assertEquals(2, SnapshotFiles.read(s).version);
        }
    }

    @Test
    void preparedStatementReprepareOnTheNewSnapshotWithItsParametersAndSettings() throws Exception {
        try (Connection c = DriverManager.getConnection(SnapshotFiles.url(target));
             PreparedStatement ps = c.prepareStatement("SELECT id, v FROM t WHERE id >= ? ORDER BY id")) {
            ps.setInt(1, 94);
            ps.setFetchSize(2);
            ps.setQueryTimeout(30);
            assertEquals(List.of("94:1", "95:1", "96:1", "97:1", "98:1", "99:1"), rows(ps));

            SnapshotFiles.publish(target, 2);
            assertEquals(List.of("94:2", "95:2", "96:2", "97:2", "98:2", "99:2"), rows(ps), "same parameters, new data");
            assertEquals(2, ps.getFetchSize(), "settings survive the re-prepare");
            assertEquals(30, ps.getQueryTimeout());

            SnapshotFiles.publish(target, 3);
            ps.setInt(1, 98);
            assertEquals(List.of("98:3", "99:3"), rows(ps), "a parameter set after the swap");
        }
    }

    /** JDBC: "If the limit is exceeded, the excess rows are silently dropped" (DuckDB's own driver ignores it). */
    @Test
    void maxRowsLimitsResultsAlsoAfterASwap() throws Exception {
        try (Connection c = DriverManager.getConnection(SnapshotFiles.url(target));
             PreparedStatement ps = c.prepareStatement("SELECT id, v FROM t WHERE id >= ? ORDER BY id");
             Statement s = c.createStatement()) {
            ps.setInt(1, 90);
            ps.setMaxRows(4);
            s.setMaxRows(3);
            assertEquals(List.of("90:1", "91:1", "92:1", "93:1"), rows(ps));
            assertEquals(3, count(s.executeQuery("SELECT * FROM t")));

            SnapshotFiles.publish(target, 2);
            assertEquals(List.of("90:2", "91:2", "92:2", "93:2"), rows(ps), "max rows survives the re-prepare");
            assertEquals(3, count(s.executeQuery("SELECT * FROM t")));
        }
    }

    @Test
    void preparedStatementSeesAChangedTableShape() throws Exception {
        try (Connection c = DriverManager.getConnection(SnapshotFiles.url(target));
             PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM t WHERE v = ?")) {
            ps.setInt(1, 1);
            assertEquals(List.of("100"), singleColumn(ps));
            SnapshotFiles.publish(target, 1, 7);
            assertEquals(List.of("7"), singleColumn(ps), "re-prepared on a file with other row counts");
        }
    }

    @Test
    void oneSnapshotOpenPerSwapWhateverTheNumberOfConnections() throws Exception {
        List<Connection> connections = new ArrayList<>();
        try {
            for (int i = 0; i < 6; i++) {
                connections.add(DriverManager.getConnection(SnapshotFiles.url(target)));
            }
            for (Connection c : connections) {
                assertEquals(1, SnapshotFiles.readVersion(c));
            }
            long before = ServingDriver.snapshotsOpened();
            SnapshotFiles.publish(target, 2);
            for (Connection c : connections) {
                assertEquals(2, SnapshotFiles.readVersion(c));
            }
            assertEquals(1, ServingDriver.snapshotsOpened() - before, "6 connections moved to a new file: one open");
        } finally {
            for (Connection c : connections) {
                c.close();
            }
        }
    }

    /** DESIGN 7: at most two snapshots per path in steady state: the one work in flight needs, and the newest. */
    @Test
    void snapshotsInBetweenCloseWhileAnOldResultSetIsStillOpen() throws Exception {
        try (Connection reader = DriverManager.getConnection(SnapshotFiles.url(target));
             Connection mover = DriverManager.getConnection(SnapshotFiles.url(target));
             Statement s = reader.createStatement();
             ResultSet rs = s.executeQuery("SELECT id, v FROM t")) {
            assertTrue(rs.next());
            assertEquals(1, SnapshotFiles.readVersion(mover));
            int baseline = ServingDriver.openSnapshots(); // includes snapshot 1
            for (int version = 2; version <= 5; version++) {
                SnapshotFiles.publish(target, version);
                assertEquals(version, SnapshotFiles.readVersion(mover));
            }
            Poll.until(Duration.ofSeconds(5), "only snapshot 1 (open result set) and 5 (newest) stay open, was "
                    + ServingDriver.openSnapshots() + " with baseline " + baseline,
                    () -> ServingDriver.openSnapshots() <= baseline + 1);
            assertTrue(rs.next());
            assertEquals(1, rs.getInt(2));
        }
    }

    @Test
    void idleConnectionsLetGoOfReplacedFiles() throws Exception {
        try (Connection idle = DriverManager.getConnection(SnapshotFiles.url(target));
             Connection busy = DriverManager.getConnection(SnapshotFiles.url(target))) {
            assertEquals(1, SnapshotFiles.readVersion(idle));
            for (int version = 2; version <= 4; version++) {
                SnapshotFiles.publish(target, version);
                assertEquals(version, SnapshotFiles.readVersion(busy));
            }
            Poll.until(Duration.ofSeconds(5), "no replaced snapshot file held open while connections are idle",
                    () -> SnapshotFiles.openDeletedFiles(dir).isEmpty());
            assertEquals(4, SnapshotFiles.readVersion(idle), "the idle connection moves on at its next statement");
        }
    }

    @Test
    void openResultSetHoldsTheReplacedFileUntilItIsClosed() throws Exception {
        try (Connection c = DriverManager.getConnection(SnapshotFiles.url(target))) {
            Statement s = c.createStatement();
            ResultSet rs = s.executeQuery("SELECT id, v FROM t");
            assertTrue(rs.next());
            SnapshotFiles.publish(target, 2);
            assertEquals(2, SnapshotFiles.readVersion(c));
            assertFalse(SnapshotFiles.openDeletedFiles(dir).isEmpty(), "the open result set still reads the replaced file");
            assertTrue(rs.next());
            assertEquals(1, rs.getInt(2));
            rs.close();
            s.close();
            Poll.until(Duration.ofSeconds(5), "the replaced file is let go once its result set closed",
                    () -> SnapshotFiles.openDeletedFiles(dir).isEmpty());
        }
    }

    /** DESIGN 7: when another connection moves the path to a new snapshot, idle ones let go at once (no watcher needed). */
    @Test
    void idleConnectionsLetGoOfTheReplacedFileAtTheSwapWithoutTheWatcher() throws Exception {
        String url = SnapshotFiles.url(target, "serving_watch_interval_ms=0");
        try (Connection idle = DriverManager.getConnection(url); Connection busy = DriverManager.getConnection(url)) {
            assertEquals(1, SnapshotFiles.readVersion(idle));
            assertEquals(1, SnapshotFiles.readVersion(busy));
            SnapshotFiles.publish(target, 2);
            assertEquals(2, SnapshotFiles.readVersion(busy));
            Poll.until(Duration.ofMillis(500), "the idle connection let go of the replaced file when busy moved",
                    () -> SnapshotFiles.openDeletedFiles(dir).isEmpty());
        }
    }

    @Test
    void watcherLetsIdleConnectionsGoOfAReplacedFileWithoutAnyStatement() throws Exception {
        try (Connection idle = DriverManager.getConnection(SnapshotFiles.url(target, "serving_watch_interval_ms=50"))) {
            assertEquals(1, SnapshotFiles.readVersion(idle));
            SnapshotFiles.publish(target, 2);
            Poll.until(Duration.ofSeconds(5), "the watcher lets go of the replaced file while no statement runs",
                    () -> SnapshotFiles.openDeletedFiles(dir).isEmpty());
            assertEquals(2, SnapshotFiles.readVersion(idle));
        }
    }

    private static int count(ResultSet rs) throws SQLException {
        try (rs) {
            int n = 0;
            while (rs.next()) {
                n++;
            }
            return n;
        }
    }

    private static List<String> rows(PreparedStatement ps) throws SQLException {
        List<String> rows = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                rows.add(rs.getInt(1) + ":" + rs.getInt(2));
            }
        }
        return rows;
    }

    private static List<String> singleColumn(PreparedStatement ps) throws SQLException {
        List<String> rows = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                rows.add(rs.getString(1));
            }
        }
        return rows;
    }
}
