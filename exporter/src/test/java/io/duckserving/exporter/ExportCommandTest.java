package io.duckserving.exporter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The CLI's error lines and option checks. */
class ExportCommandTest {

    @TempDir
    Path dir;

    @Test
    void cliPrintsTheCauseOfABrokenViewOnOneLine() throws Exception {
        Path lake = dir.resolve("lakehouse.duckdb");
        Lakehouse.create(lake, 10);
        try (Connection c = Lakehouse.open(lake, false); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE staging.dropped AS SELECT 1 AS x");
            st.execute("CREATE VIEW serving.stale AS SELECT x FROM staging.dropped");
            st.execute("ALTER TABLE staging.dropped RENAME COLUMN x TO y");
        }
        CliRun r = runCli("--source", lake.toString(), "--target", dir.resolve("analytics.duckdb").toString(),
                "--quiet");
        assertEquals(1, r.exitCode(), r.stderr());
        assertTrue(r.stderr().contains("serving.stale"), r.stderr());
        assertEquals(1, r.stderr().strip().lines().count(), r.stderr());
    }

    @Test
    void cliRefusesAnOverlongWaitNamingTheOption() throws Exception {
        Path lake = dir.resolve("lakehouse.duckdb");
        Lakehouse.create(lake, 10);
        CliRun r = runCli("--source", lake.toString(), "--target", dir.resolve("analytics.duckdb").toString(),
                "--wait", "10000000000");
        assertEquals(2, r.exitCode(), r.stderr());
        assertTrue(r.stderr().contains("--wait"), r.stderr());
        assertEquals(1, r.stderr().strip().lines().count(), r.stderr());
    }

    @Test
    void cliRefusesThreadsBeyondFourPerCoreBeforeWritingAnything() throws Exception {
        Path lake = dir.resolve("lakehouse.duckdb");
        Lakehouse.create(lake, 10);
        int tooMany = 4 * Runtime.getRuntime().availableProcessors() + 1;
        CliRun r = runCli("--source", lake.toString(), "--target", dir.resolve("analytics.duckdb").toString(),
                "--threads", Integer.toString(tooMany));
        assertRefused(r, "--threads", "1 to " + (tooMany - 1));
        assertEquals(List.of("lakehouse.duckdb"), SnapshotAssertions.entries(dir));
    }

    @Test
    void cliRefusesANegativeMemoryLimitWhichDuckDbWouldReadAsUnlimited() throws Exception {
        Path lake = dir.resolve("lakehouse.duckdb");
        Lakehouse.create(lake, 10);
        for (String limit : List.of("-5GB", "5")) {
            CliRun r = runCli("--source", lake.toString(), "--target", dir.resolve("analytics.duckdb").toString(),
                    "--memory-limit", limit);
            assertRefused(r, "--memory-limit", "'" + limit + "'");
        }
        assertEquals(List.of("lakehouse.duckdb"), SnapshotAssertions.entries(dir));
    }

    @Test
    void cliRefusesATargetNamedLikeAWriteAheadLog() throws Exception {
        Path lake = dir.resolve("lakehouse.duckdb");
        Lakehouse.create(lake, 10);
        CliRun r = runCli("--source", lake.toString(), "--target", dir.resolve("analytics.duckdb.wal").toString());
        assertRefused(r, "--target", "write-ahead log");
        assertEquals(List.of("lakehouse.duckdb"), SnapshotAssertions.entries(dir));
    }

    @Test
    void cliSaysALockFileThatIsADirectoryMustBeRemoved() throws Exception {
        Path lake = dir.resolve("lakehouse.duckdb");
        Lakehouse.create(lake, 10);
        Path lockDir = Files.createDirectory(dir.resolve("analytics.duckdb.lock"));
        CliRun r = runCli("--source", lake.toString(), "--target", dir.resolve("analytics.duckdb").toString());
        assertRefused(r, lockDir.toString(), "is a directory");
        assertTrue(r.stderr().contains("remove that directory"), r.stderr());
        assertEquals(List.of("analytics.duckdb.lock", "lakehouse.duckdb"), SnapshotAssertions.entries(dir));
    }

    @Test
    void cliSaysASqliteSourceIsNotADuckDbFile() throws Exception {
        Path sqlite = dir.resolve("lakehouse.db");
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + sqlite); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE t (x INTEGER)");
        }
        CliRun r = runCli("--source", sqlite.toString(), "--target", dir.resolve("analytics.duckdb").toString());
        assertRefused(r, sqlite.toString(), "is a SQLite database, not a DuckDB file");
        assertEquals(List.of("lakehouse.db"), SnapshotAssertions.entries(dir));
    }

    private static void assertRefused(CliRun r, String... named) {
        assertEquals(2, r.exitCode(), r.stderr());
        assertEquals(1, r.stderr().strip().lines().count(), r.stderr());
        for (String n : named) {
            assertTrue(r.stderr().contains(n), "names " + n + ": " + r.stderr());
        }
    }

    private record CliRun(int exitCode, String stderr) {
    }

    private static CliRun runCli(String... args) {
        PrintStream saved = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            int code = ExportCommand.run(args);
            return new CliRun(code, err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setErr(saved);
        }
    }
}
