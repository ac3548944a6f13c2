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
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

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

    @Test
    void cliReadsTheHandoffInEveryFormAndShowsItsDefault() {
        Map<String, Duration> forms = Map.of("0", Duration.ZERO, "500ms", Duration.ofMillis(500),
                "2s", Duration.ofSeconds(2), "1m", Duration.ofMinutes(1), "PT2S", Duration.ofSeconds(2),
                "PT0.25S", Duration.ofMillis(250));
        forms.forEach((text, expected) -> assertEquals(expected, parse("--handoff", text).handoff, text));
        assertEquals(Duration.ofSeconds(2), parse("--handoff=2s").handoff);
        assertEquals(ExportRequest.DEFAULT_HANDOFF, parse().handoff, "the default is ExportRequest's");
        String help = new CommandLine(new ExportCommand()).getUsageMessage(CommandLine.Help.Ansi.OFF);
        assertTrue(help.contains("--handoff=DURATION") && help.contains("Default: 1s."), help);
    }

    @Test
    void cliRefusesAHandoffThatIsNoDurationOrOutOfRangeNamingTheOption() throws Exception {
        Path lake = dir.resolve("lakehouse.duckdb");
        Lakehouse.create(lake, 10);
        String[] base = {"--source", lake.toString(), "--target", dir.resolve("analytics.duckdb").toString()};
        CliRun junk = runCli(concat(base, "--handoff", "soon"));
        assertEquals(2, junk.exitCode(), junk.stderr());
        assertTrue(junk.stderr().lines().findFirst().orElse("").contains("Invalid value for option '--handoff': "
                + "'soon' is not a duration; give 0 or a whole number with a unit, e.g. 500ms"), junk.stderr());
        assertRefused(runCli(concat(base, "--handoff", "11m")), "--handoff", "10 minutes", "11m");
        assertRefused(runCli(concat(base, "--handoff", "-1s")), "--handoff", "negative");
        assertEquals(List.of("lakehouse.duckdb"), SnapshotAssertions.entries(dir));
    }

    private static ExportCommand parse(String... args) {
        ExportCommand command = new ExportCommand();
        String[] all = concat(new String[] {"--source", "lake.duckdb", "--target", "analytics.duckdb"}, args);
        new CommandLine(command).parseArgs(all);
        return command;
    }

    private static String[] concat(String[] first, String... more) {
        String[] all = Arrays.copyOf(first, first.length + more.length);
        System.arraycopy(more, 0, all, first.length, more.length);
        return all;
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
