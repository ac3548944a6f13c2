package io.duckserving.jdbc;

import static io.duckserving.jdbc.ServingPropertyTest.setting;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.duckdb.DuckDBConnection;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import java.nio.file.StandardCopyOption;

/** The JDBC surface real clients (pools, BI tools, Spring) rely on. */
class ServingConnectionTest extends PublishedSnapshotTest {

    @Test
    void wrappersPointBackToTheWrappersAlsoAfterASwap() throws Exception {
        try (Connection c = connect(); Statement s = c.createStatement();
             PreparedStatement ps = c.prepareStatement("SELECT v FROM t WHERE id = ?")) {
            for (int version = 1; version <= 2; version++) {
                assertSame(c, s.getConnection());
                assertSame(c, ps.getConnection());
                try (ResultSet rs = s.executeQuery("SELECT 1")) {
                    assertSame(s, rs.getStatement());
                }
                ps.setInt(1, 3);
                try (ResultSet rs = ps.executeQuery()) {
                    assertSame(ps, rs.getStatement());
                    rs.next();
                    assertEquals(version, rs.getInt(1));
                }
                DatabaseMetaData md = c.getMetaData();
                assertSame(c, md.getConnection());
                SnapshotFiles.publish(target, 2);
            }
        }
    }

    @Test
    void metaDataSeesTheNewSnapshotsTables() throws Exception {
        try (Connection c = connect()) {
            assertTrue(hasTable(c, "t"));
            assertFalse(hasTable(c, "extra"));
            Path temp = SnapshotFiles.tempBeside(target);
            SnapshotFiles.write(temp, 2, 10);
            try (Connection w = DriverManager.getConnection("jdbc:duckdb:" + temp); Statement s = w.createStatement()) {
                s.execute("CREATE TABLE extra(x INTEGER)");
                s.execute("CHECKPOINT");
            }
            SnapshotFiles.moveOver(temp, target);
            assertTrue(hasTable(c, "extra"), "a metadata call moves to the new snapshot like a statement");
        }
    }

    @Test
    void unwrapReachesDuckDbsConnection() throws Exception {
        try (Connection c = connect()) {
            assertTrue(c.isWrapperFor(DuckDBConnection.class));
            DuckDBConnection duck = c.unwrap(DuckDBConnection.class);
            assertNotNull(duck);
            try (Statement s = duck.createStatement(); ResultSet rs = s.executeQuery("SELECT max(v) FROM t")) {
                rs.next();
                assertEquals(1, rs.getInt(1));
            }
            assertThrows(SQLException.class, () -> c.unwrap(String.class));
        }
    }

    @Test
    void readOnlyRequestsAreAnsweredSensibly() throws Exception {
        try (Connection c = connect()) {
            assertTrue(c.isReadOnly());
            assertDoesNotThrow(() -> c.setReadOnly(true));
            // HikariCP in its default configuration calls setReadOnly(false): it must not fail the pool.
            assertDoesNotThrow(() -> c.setReadOnly(false));
            assertTrue(c.isReadOnly(), "the connection stays read-only whatever is asked");
            try (Statement s = c.createStatement()) {
                SQLException write = assertThrows(SQLException.class, () -> s.execute("CREATE TABLE x(i INTEGER)"));
                assertEquals("25006", write.getSQLState(), "writes are still refused after setReadOnly(false)");
            }
            assertEquals(1, SnapshotFiles.readVersion(c));
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {Connection.TRANSACTION_READ_UNCOMMITTED, Connection.TRANSACTION_READ_COMMITTED,
            Connection.TRANSACTION_REPEATABLE_READ, Connection.TRANSACTION_SERIALIZABLE})
    void everyTransactionIsolationIsAcceptedOnAnImmutableSnapshot(int level) throws Exception {
        try (Connection c = connect()) {
            int current = c.getTransactionIsolation();
            assertTrue(current != Connection.TRANSACTION_NONE, "reads are transactional");
            assertDoesNotThrow(() -> c.setTransactionIsolation(level));
            assertEquals(1, SnapshotFiles.readVersion(c));
        }
    }

    @Test
    void clientInfoNetworkTimeoutAndHoldabilityDoNotThrow() throws Exception {
        ExecutorService executor = Executors.newSingleThreadExecutor();
        try (Connection c = connect()) {
            assertNotNull(c.getClientInfo());
            c.setClientInfo("ApplicationName", "tests");
            assertEquals("tests", c.getClientInfo("ApplicationName"));
            c.setNetworkTimeout(executor, 5_000);
            assertTrue(c.getNetworkTimeout() >= 0);
            assertTrue(c.isValid(1));
            assertEquals(1, SnapshotFiles.readVersion(c));
        } finally {
            executor.shutdownNow();
        }
    }

    @Test
    void abortClosesTheConnection() throws Exception {
        ExecutorService executor = Executors.newSingleThreadExecutor();
        try {
            Connection c = connect();
            assertEquals(1, SnapshotFiles.readVersion(c));
            c.abort(executor);
            Poll.until(Duration.ofSeconds(5), "the aborted connection is closed", c::isClosed);
            SQLException e = assertThrows(SQLException.class, () -> SnapshotFiles.readVersion(c));
            assertEquals("08003", e.getSQLState());
        } finally {
            executor.shutdownNow();
        }
    }

    @Test
    void closedConnectionAndStatementFailWith08003() throws Exception {
        Connection c = connect();
        Statement s = c.createStatement();
        c.close();
        assertTrue(c.isClosed());
        assertTrue(s.isClosed(), "closing a connection closes its statements");
        assertFalse(c.isValid(1));
        assertEquals("08003", assertThrows(SQLException.class, c::createStatement).getSQLState());
        assertThrows(SQLException.class, () -> s.executeQuery("SELECT 1"));
        assertDoesNotThrow(c::close, "close twice is allowed");
    }

    @Test
    void statementStaysUsableAfterAFailedExecution() throws Exception {
        try (Connection c = connect(); Statement s = c.createStatement();
             PreparedStatement ps = c.prepareStatement("SELECT CAST(? AS INTEGER)")) {
            assertThrows(SQLException.class, () -> s.executeQuery("SELEC 1"));
            assertThrows(SQLException.class, () -> s.executeQuery("SELECT * FROM no_such_table"));
            assertFalse(s.isClosed(), "DuckDB's own statement closes itself after an error; ours must not");
            assertEquals(1, SnapshotFiles.read(s).version);

            ps.setString(1, "not a number");
            assertThrows(SQLException.class, ps::executeQuery);
            ps.setString(1, "7");
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                assertEquals(7, rs.getInt(1));
            }
        }
    }

    @Test
    void cancelFailsTheRunningQueryWith57014AndTheStatementStaysUsable() throws Exception {
        ExecutorService executor = Executors.newSingleThreadExecutor();
        try (Connection c = connect(); Statement s = c.createStatement()) {
            Future<?> running = executor.submit(() -> {
                try (ResultSet rs = s.executeQuery("SELECT sum(i) FROM range(1000000000000) r(i)")) {
                    rs.next();
                }
                return null;
            });
            Poll.until(Duration.ofSeconds(20), "the long query is cancelled", () -> {
                try {
                    s.cancel();
                } catch (SQLException notRunningYet) {
                    // cancel() before the query started: covered by cancelWithoutARunningQueryIsHarmless
                }
                return running.isDone();
            });
            ExecutionException e = assertThrows(ExecutionException.class, running::get);
            assertInstanceOf(SQLException.class, e.getCause());
            assertEquals("57014", ((SQLException) e.getCause()).getSQLState(), e.getCause().toString());
            assertEquals(1, SnapshotFiles.read(s).version);
        } finally {
            executor.shutdownNow();
        }
    }

    /** Runs for minutes unless interrupted (cancelFailsTheRunningQueryWith57014... stops the same query). */
    private static final String LONG_QUERY = "SELECT sum(i) FROM range(1000000000000) r(i)";

    /** Daemon threads, so a regression that blocks fails its test without holding the JVM. */
    private static ExecutorService daemons(int threads) {
        return Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "close-test");
            t.setDaemon(true);
            return t;
        });
    }

    private static Future<?> runLongQuery(ExecutorService executor, Statement s) throws Exception {
        s.setQueryTimeout(90); // bounds the damage when close() fails to stop it
        Future<?> running = executor.submit(() -> {
            try (ResultSet rs = s.executeQuery(LONG_QUERY)) {
                rs.next();
            }
            return null;
        });
        Thread.sleep(500); // let it reach DuckDB; the test holds also if close() comes first
        assertFalse(running.isDone(), "the long query ended by itself");
        return running;
    }

    /** What the query's thread got: an SQLException (cancelled, or the statement closed before it started). */
    private static SQLException failureOf(Future<?> running) {
        ExecutionException e = assertThrows(ExecutionException.class, () -> running.get(10, TimeUnit.SECONDS));
        return assertInstanceOf(SQLException.class, e.getCause());
    }

    /** The snapshot is let go: a new file replaces it and no handle on the old one stays open. */
    private void assertSnapshotReleased() throws Exception {
        SnapshotFiles.publish(target, 2);
        try (Connection other = connect()) {
            assertEquals(2, SnapshotFiles.readVersion(other));
            Poll.until(Duration.ofSeconds(5), "the closed connection's snapshot file is let go",
                    () -> SnapshotFiles.openDeletedFiles(dir).isEmpty());
        }
    }

    @Test
    void closeFromAnotherThreadInterruptsTheRunningQueryAndReleasesTheSnapshot() throws Exception {
        ExecutorService executor = daemons(2);
        try {
            Connection c = connect();
            Statement s = c.createStatement();
            Future<?> running = runLongQuery(executor, s);
            Future<?> closing = executor.submit(() -> {
                c.close();
                return null;
            });
            // A "stop" button pressed while the connection closes must not fail ("Statement is closed").
            Poll.until(Duration.ofSeconds(5), "close() has started", c::isClosed);
            while (!running.isDone()) {
                try {
                    s.cancel();
                } catch (SQLException e) {
                    Poll.until(Duration.ofSeconds(2), "cancel() failed only once the query had ended: " + e,
                            running::isDone);
                }
                Thread.sleep(5);
            }
            assertTimeoutPreemptively(Duration.ofSeconds(10), () -> closing.get(),
                    "close() waited for the query instead of interrupting it");
            SQLException e = failureOf(running);
            assertTrue(e.getSQLState() != null && (e.getSQLState().equals("57014") || e.getSQLState().equals("08003")),
                    e.toString());
            assertTrue(c.isClosed() && s.isClosed());
            assertEquals("08003", assertThrows(SQLException.class, s::cancel).getSQLState(),
                    "cancel on a closed statement that runs nothing is refused, as JDBC says");
            assertSnapshotReleased();
        } finally {
            executor.shutdown();
        }
    }

    @Test
    void statementCloseFromAnotherThreadInterruptsTheRunningQuery() throws Exception {
        ExecutorService executor = daemons(1);
        Connection c = connect();
        try {
            Statement s = c.createStatement();
            Future<?> running = runLongQuery(executor, s);
            assertTimeoutPreemptively(Duration.ofSeconds(10), s::close,
                    "Statement.close() waited for the query instead of interrupting it");
            assertTrue(s.isClosed());
            SQLException e = failureOf(running);
            assertTrue(e.getSQLState() != null && (e.getSQLState().equals("57014") || e.getSQLState().equals("08003")),
                    e.toString());
            assertEquals(1, SnapshotFiles.readVersion(c), "the connection stays usable");
            c.close();
        } finally {
            c.abort(executor); // nothing left to do, unless the test failed
            executor.shutdown();
        }
        assertSnapshotReleased();
    }

    /** JDBC lets cancel() be called at any time, e.g. a "stop" button pressed just before or after a query ran. */
    @Test
    void cancelWithoutARunningQueryIsHarmless() throws Exception {
        try (Connection c = connect(); Statement s = c.createStatement();
             PreparedStatement ps = c.prepareStatement("SELECT v FROM t WHERE id = ?")) {
            assertDoesNotThrow(s::cancel, "before any execution");
            assertDoesNotThrow(ps::cancel, "prepared, before any execution");
            assertEquals(1, SnapshotFiles.read(s).version);
            assertDoesNotThrow(s::cancel, "after the result was read");
            assertEquals(1, SnapshotFiles.read(s).version, "a late cancel does not hit the next query");
            assertThrows(SQLException.class, () -> s.executeQuery("SELEC 1"));
            assertDoesNotThrow(s::cancel, "after a failed execution");
            assertEquals(1, SnapshotFiles.read(s).version);
        }
    }

    @Test
    void eachSnapshotSpillsIntoItsOwnDirectoryRemovedWhenItCloses() throws Exception {
        Path spill = dir.resolve("spill");
        try (Connection c = connect("serving_spill_directory=" + spill)) {
            Path first = Path.of(setting(c, "temp_directory"));
            assertTrue(first.startsWith(spill), first + " is not under " + spill);
            SnapshotFiles.publish(target, 2);
            assertEquals(2, SnapshotFiles.readVersion(c));
            Path second = Path.of(setting(c, "temp_directory"));
            assertTrue(second.startsWith(spill), second + " is not under " + spill);
            assertFalse(first.equals(second), "two snapshots share the spill directory " + first);
            Poll.until(Duration.ofSeconds(5), "the replaced snapshot's spill directory " + first + " is removed",
                    () -> !Files.exists(first));
        }
    }

    @Test
    void installAndLoadOfExtensionsAreRefusedByDefault() throws Exception {
        try (Connection c = connect(); Statement s = c.createStatement()) {
            assertThrows(SQLException.class, () -> s.execute("INSTALL sqlite"));
            assertThrows(SQLException.class, () -> s.execute("LOAD sqlite"));
            assertEquals(1, SnapshotFiles.read(s).version);
        }
    }

    @Test
    void errorsCarrySqlStates() throws Exception {
        try (Connection c = connect(); Statement s = c.createStatement()) {
            assertState("42", assertThrows(SQLException.class, () -> s.executeQuery("SELEC 1")), "syntax error");
            assertState("42", assertThrows(SQLException.class, () -> s.executeQuery("SELECT * FROM no_such_table")),
                    "unknown table");
            assertState("42", assertThrows(SQLException.class, () -> s.executeQuery("SELECT no_such_column FROM t")),
                    "unknown column");
            assertState("22", assertThrows(SQLException.class, () -> s.executeQuery("SELECT 'abc'::INTEGER")),
                    "conversion error");
            assertEquals("25006", assertThrows(SQLException.class,
                    () -> s.execute("CREATE TABLE written(x INTEGER)")).getSQLState(), "CREATE TABLE on the snapshot");
            assertEquals("25006", assertThrows(SQLException.class,
                    () -> s.execute("INSERT INTO t VALUES (1000, 1)")).getSQLState(), "INSERT on the snapshot");
            assertEquals("25006", assertThrows(SQLException.class,
                    () -> s.executeUpdate("UPDATE t SET v = 2")).getSQLState(), "UPDATE on the snapshot");
            assertEquals("25006", assertThrows(SQLException.class,
                    () -> s.execute("DROP TABLE t")).getSQLState(), "DROP TABLE on the snapshot");
            assertEquals(1, SnapshotFiles.read(s).version, "nothing was written");
        }
    }

    @Test
    void copyToIsRefusedByDefaultAndWritesNoFile() throws Exception {
        Path out = dir.resolve("out.csv");
        try (Connection c = connect(); Statement s = c.createStatement()) {
            assertThrows(SQLException.class, () -> s.execute("COPY (SELECT 1) TO '" + out + "'"));
            assertThrows(SQLException.class, () -> s.execute("COPY t TO '" + out + "' (FORMAT parquet)"));
        }
        assertFalse(Files.exists(out), "COPY TO must not create " + out);
    }

    @Test
    void attachIsRefusedByDefaultAndCreatesNoFile() throws Exception {
        Path other = dir.resolve("other.duckdb");
        try (Connection c = connect(); Statement s = c.createStatement()) {
            assertThrows(SQLException.class, () -> s.execute("ATTACH '" + other + "' AS other_db"));
        }
        assertFalse(Files.exists(other), "ATTACH must not create " + other);
    }

    @Test
    void attachOfAnExistingFileIsRefusedByDefault() throws Exception {
        Path other = dir.resolve("existing.duckdb");
        SnapshotFiles.write(other, 9, 5);
        try (Connection c = connect(); Statement s = c.createStatement()) {
            assertThrows(SQLException.class, () -> s.execute("ATTACH '" + other + "' AS other_db (READ_ONLY)"));
        }
    }

    @Test
    void readingOtherFilesIsRefusedByDefault() throws Exception {
        Path csv = dir.resolve("secret.csv");
        Files.writeString(csv, "n\n1\n");
        try (Connection c = connect(); Statement s = c.createStatement()) {
            assertThrows(SQLException.class, () -> s.executeQuery("SELECT * FROM read_csv('" + csv + "')").close());
            assertThrows(SQLException.class, () -> s.executeQuery("SELECT * FROM '" + csv + "'").close());
            assertEquals(1, SnapshotFiles.read(s).version, "the statement stays usable");
        }
    }

    @Test
    void externalAccessRefusalSurvivesASwap() throws Exception {
        Path out = dir.resolve("after-swap.csv");
        try (Connection c = connect(); Statement s = c.createStatement()) {
            SnapshotFiles.publish(target, 2);
            assertThrows(SQLException.class, () -> s.execute("COPY (SELECT 1) TO '" + out + "'"));
            assertEquals(2, SnapshotFiles.read(s).version);
        }
        assertFalse(Files.exists(out));
    }

    @Test
    void writingFilesWorksWhenExternalAccessIsAllowed() throws Exception {
        Path out = dir.resolve("allowed.csv");
        try (Connection c = connect("serving_allow_external_access=true"); Statement s = c.createStatement()) {
            s.execute("COPY (SELECT 1 AS one) TO '" + out + "'");
        }
        assertTrue(Files.exists(out), "serving_allow_external_access=true lets COPY TO write");
    }

    @Test
    void connectionsWithDifferentDuckDbSettingsOnOnePathBothWork() throws Exception {
        try (Connection plain = connect(); Connection oneThread = connect("threads=1")) {
            assertEquals(1, SnapshotFiles.readVersion(plain));
            assertEquals(1, SnapshotFiles.readVersion(oneThread));
            assertEquals("1", setting(oneThread, "threads"));
            SnapshotFiles.publish(target, 2);
            assertEquals(2, SnapshotFiles.readVersion(oneThread));
            assertEquals(2, SnapshotFiles.readVersion(plain));
            assertEquals("1", setting(oneThread, "threads"));
        }
    }

    @Test
    void onePathCanBeReadUnderTwoSpellings() throws Exception {
        Path spelledDifferently = dir.resolve(".").resolve("analytics.duckdb");
        try (Connection a = connect();
             Connection b = DriverManager.getConnection("jdbc:duckdb-serving:" + spelledDifferently)) {
            assertEquals(1, SnapshotFiles.readVersion(a));
            assertEquals(1, SnapshotFiles.readVersion(b));
            SnapshotFiles.publish(target, 2);
            assertEquals(2, SnapshotFiles.readVersion(b));
            assertEquals(2, SnapshotFiles.readVersion(a));
        }
    }

    private static void assertState(String classPrefix, SQLException e, String what) {
        assertNotNull(e.getSQLState(), what + " has no SQLState: " + e.getMessage());
        assertTrue(e.getSQLState().startsWith(classPrefix),
                what + ": expected SQLState class " + classPrefix + " but was " + e.getSQLState() + " (" + e.getMessage() + ")");
    }

    private static boolean hasTable(Connection c, String name) throws SQLException {
        try (ResultSet rs = c.getMetaData().getTables(null, null, name, null)) {
            return rs.next();
        }
    }

    @Test
    void metadataReportsThisDriversUrlAndName() throws Exception {
        try (Connection c = connect()) {
            DatabaseMetaData md = c.getMetaData();
            assertEquals("jdbc:duckdb-serving:" + target, md.getURL());
            assertEquals("DuckDB", md.getDatabaseProductName());
            assertTrue(md.getDriverName().contains("duckdb-serving"), md.getDriverName());
        }
    }

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

    @Test
    void preparedExecuteUpdateSetsTheUpdateCount() throws Exception {
        try (Connection c = DriverManager.getConnection(SnapshotFiles.url(target));
             PreparedStatement ps = c.prepareStatement("CREATE TEMP TABLE scratch AS SELECT * FROM range(3)")) {
            assertEquals(3, ps.executeUpdate());
            assertEquals(3, ps.getUpdateCount());
        }
    }

    /** A file named after a schema in it makes that schema ambiguous to DuckDB: the driver says why and how to fix it. */
    @Test
    void aFileNamedAfterItsSchemaIsReportedWithTheFix() throws Exception {
        Path clash = dir.resolve("other.duckdb"); // the snapshot files hold a schema "other"
        SnapshotFiles.publish(clash, 1);
        List<String> warnings = new CopyOnWriteArrayList<>();
        Handler handler = new Handler() {
            @Override
            public void publish(LogRecord record) {
                warnings.add(record.getMessage());
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        Logger logger = Logger.getLogger("io.duckserving.jdbc");
        logger.addHandler(handler);
        try (Connection c = DriverManager.getConnection(SnapshotFiles.url(clash))) {
            assertEquals(1, SnapshotFiles.readVersion(c), "unqualified names still work");
        } finally {
            logger.removeHandler(handler);
        }
        assertTrue(warnings.stream().anyMatch(w -> w.contains(clash.toString()) && w.contains("'other'")
                && w.contains("ambiguous") && w.contains("analytics.duckdb")), warnings.toString());
    }
}
