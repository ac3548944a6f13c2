package io.duckserving.exporter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The CLI's error lines, option checks and subcommands. */
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
        CliRun r = CliRun.of("--source", lake.toString(), "--target", dir.resolve("analytics.duckdb").toString(),
                "--quiet");
        assertEquals(1, r.exitCode(), r.stderr());
        assertTrue(r.stderr().contains("serving.stale"), r.stderr());
        assertEquals(1, r.stderr().strip().lines().count(), r.stderr());
    }

    @Test
    void cliRefusesAnOverlongWaitNamingTheOption() throws Exception {
        Path lake = dir.resolve("lakehouse.duckdb");
        Lakehouse.create(lake, 10);
        CliRun r = CliRun.of("--source", lake.toString(), "--target", dir.resolve("analytics.duckdb").toString(),
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
        CliRun r = CliRun.of("--source", lake.toString(), "--target", dir.resolve("analytics.duckdb").toString(),
                "--threads", Integer.toString(tooMany));
        assertRefused(r, "--threads", "1 to " + (tooMany - 1));
        assertEquals(List.of("lakehouse.duckdb"), SnapshotAssertions.entries(dir));
    }

    @Test
    void cliRefusesANegativeMemoryLimitWhichDuckDbWouldReadAsUnlimited() throws Exception {
        Path lake = dir.resolve("lakehouse.duckdb");
        Lakehouse.create(lake, 10);
        for (String limit : List.of("-5GB", "5")) {
            CliRun r = CliRun.of("--source", lake.toString(), "--target", dir.resolve("analytics.duckdb").toString(),
                    "--memory-limit", limit);
            assertRefused(r, "--memory-limit", "'" + limit + "'");
        }
        assertEquals(List.of("lakehouse.duckdb"), SnapshotAssertions.entries(dir));
    }

    @Test
    void cliRefusesATargetNamedLikeAWriteAheadLog() throws Exception {
        Path lake = dir.resolve("lakehouse.duckdb");
        Lakehouse.create(lake, 10);
        CliRun r = CliRun.of("--source", lake.toString(), "--target", dir.resolve("analytics.duckdb.wal").toString());
        assertRefused(r, "--target", "write-ahead log");
        assertEquals(List.of("lakehouse.duckdb"), SnapshotAssertions.entries(dir));
    }

    @Test
    void cliSaysALockFileThatIsADirectoryMustBeRemoved() throws Exception {
        Path lake = dir.resolve("lakehouse.duckdb");
        Lakehouse.create(lake, 10);
        Path lockDir = Files.createDirectory(dir.resolve("analytics.duckdb.lock"));
        CliRun r = CliRun.of("--source", lake.toString(), "--target", dir.resolve("analytics.duckdb").toString());
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
        CliRun r = CliRun.of("--source", sqlite.toString(), "--target", dir.resolve("analytics.duckdb").toString());
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
        CliRun junk = CliRun.of(concat(base, "--handoff", "soon"));
        assertEquals(2, junk.exitCode(), junk.stderr());
        assertTrue(junk.stderr().lines().findFirst().orElse("").contains("Invalid value for option '--handoff': "
                + "'soon' is not a duration; give 0 or a whole number with a unit, e.g. 500ms"), junk.stderr());
        assertRefused(CliRun.of(concat(base, "--handoff", "11m")), "--handoff", "10 minutes", "11m");
        assertRefused(CliRun.of(concat(base, "--handoff", "-1s")), "--handoff", "negative");
        assertEquals(List.of("lakehouse.duckdb"), SnapshotAssertions.entries(dir));
    }

    @Test
    void cliParsesTheSubcommandsAndPublishesWithoutOne() {
        CommandLine.ParseResult history = new CommandLine(new ExportCommand()).parseArgs("history", "--target",
                "a.duckdb", "--json");
        ExportCommand.HistoryCommand h = (ExportCommand.HistoryCommand) history.subcommand().commandSpec().userObject();
        assertEquals("a.duckdb", h.target, "a file or an s3:// URI, told apart when it runs");
        assertTrue(h.json);

        CommandLine.ParseResult rollback = new CommandLine(new ExportCommand()).parseArgs("rollback", "--target",
                "a.duckdb", "--to", "20250301T120000Z-3f9a1c", "--wait", "5", "-q");
        ExportCommand.RollbackCommand r = (ExportCommand.RollbackCommand) rollback.subcommand().commandSpec()
                .userObject();
        assertEquals("20250301T120000Z-3f9a1c", r.to);
        assertEquals(5, r.change.waitSeconds);
        assertTrue(r.change.quiet);
        ExportCommand.RollbackCommand previous = (ExportCommand.RollbackCommand) new CommandLine(new ExportCommand())
                .parseArgs("rollback", "--target", "a.duckdb").subcommand().commandSpec().userObject();
        assertEquals(null, previous.to, "no --to: the previous generation");
        assertEquals(60, previous.change.waitSeconds);

        CommandLine.ParseResult prune = new CommandLine(new ExportCommand()).parseArgs("prune", "--target",
                "a.duckdb", "--keep", "3", "--keep-for", "1h");
        ExportCommand.PruneCommand p = (ExportCommand.PruneCommand) prune.subcommand().commandSpec().userObject();
        assertEquals(3, p.keep);
        assertEquals(Duration.ofHours(1), p.keepFor);
        ExportCommand.PruneCommand pruneDefaults = (ExportCommand.PruneCommand) new CommandLine(new ExportCommand())
                .parseArgs("prune", "--target", "a.duckdb").subcommand().commandSpec().userObject();
        assertEquals(Publications.DEFAULT_KEEP, pruneDefaults.keep);
        assertEquals(Publications.DEFAULT_KEEP_FOR, pruneDefaults.keepFor);

        ExportCommand publish = new ExportCommand();
        CommandLine.ParseResult old = new CommandLine(publish).parseArgs("--source", "lake.duckdb", "--target",
                "a.duckdb", "--keep", "4", "--keep-for", "PT30M");
        assertFalse(old.hasSubcommand(), "today's command lines publish, as before");
        assertEquals(4, publish.keep);
        assertEquals(Duration.ofMinutes(30), publish.keepFor);
        assertEquals(Publications.DEFAULT_KEEP, parse().keep);
        assertEquals(Publications.DEFAULT_KEEP_FOR, parse().keepFor);
        assertEquals(Integer.toString(Publications.DEFAULT_KEEP), ExportCommand.DEFAULT_KEEP);
        assertEquals(Durations.format(Publications.DEFAULT_KEEP_FOR), ExportCommand.DEFAULT_KEEP_FOR);

        String help = new CommandLine(new ExportCommand()).getUsageMessage(CommandLine.Help.Ansi.OFF);
        assertTrue(help.contains("--keep=N") && help.contains("Default: 2 (the current one")
                && help.contains("--keep-for=DURATION") && help.contains("history") && help.contains("rollback")
                && help.contains("prune"), help);
    }

    @Test
    void cliWithoutSourceOrSubcommandSaysWhatIsMissing() {
        CliRun r = CliRun.of("--target", dir.resolve("analytics.duckdb").toString());
        assertEquals(2, r.exitCode(), r.stderr());
        assertTrue(r.stderr().startsWith("Missing required option: '--source=FILE' (to publish; or give a "
                + "subcommand: history, rollback, prune)"), r.stderr());
    }

    @Test
    void cliPublishesWithTheOldCommandLineThenListsRollsBackAndPrunes() throws Exception {
        Path lake = dir.resolve("lakehouse.duckdb");
        Lakehouse.create(lake, 10);
        String target = dir.resolve("analytics.duckdb").toString();
        List<JsonNode> publishes = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            CliRun r = CliRun.of("--source", lake.toString(), "--target", target, "--keep", "3",
                    "--handoff", "0", "--json", "--quiet");
            assertEquals(0, r.exitCode(), r.stderr());
            publishes.add(JSON.readTree(r.stdout()));
        }
        JsonNode last = publishes.get(4);
        String history = dir.resolve(".analytics.duckdb.history").toString();
        assertEquals(history + "/" + last.get("publish_id").asText() + ".duckdb", last.get("generation_kept").asText());
        assertEquals(List.of(publishes.get(1).get("publish_id").asText()), texts(last.get("generations_pruned")));
        assertFalse(last.has("history_skipped"), last.toString());

        CliRun listed = CliRun.of("history", "--target", target, "--json");
        assertEquals(0, listed.exitCode(), listed.stderr());
        JsonNode list = JSON.readTree(listed.stdout());
        assertEquals(List.of(id(publishes, 2), id(publishes, 3), id(publishes, 4)),
                texts(list.get("generations"), "publish_id"));
        assertEquals(List.of("false", "false", "true"), texts(list.get("generations"), "current"));
        assertEquals(id(publishes, 4), list.get("current").asText());
        JsonNode newest = list.get("generations").get(2);
        assertEquals(last.get("published_at").asText(), newest.get("published_at").asText());
        assertEquals(last.get("total_rows").asLong(), newest.get("total_rows").asLong());
        assertEquals(last.get("bytes").asLong(), newest.get("bytes").asLong());
        assertEquals(lake.toString(), newest.get("source").asText());
        assertTrue(newest.get("not_current_since").isNull());
        assertFalse(list.get("generations").get(1).get("not_current_since").isNull());

        CliRun rolled = CliRun.of("rollback", "--target", target, "--json");
        assertEquals(0, rolled.exitCode(), rolled.stderr());
        JsonNode rollback = JSON.readTree(rolled.stdout());
        assertEquals(id(publishes, 4), rollback.get("from_publish_id").asText());
        assertEquals(id(publishes, 3), rollback.get("to_publish_id").asText());
        assertTrue(rollback.get("changed").asBoolean());
        assertTrue(rolled.stderr().contains("duckdb-serving-export: rolled back " + target + " to "
                + id(publishes, 3)), rolled.stderr());
        String table = CliRun.of("history", "--target", target).stdout();
        assertTrue(table.lines().anyMatch(l -> l.startsWith("* " + id(publishes, 3))), table);
        assertEquals(1, table.lines().filter(l -> l.startsWith("* ")).count(), table);

        CliRun unknown = CliRun.of("rollback", "--target", target, "--to", id(publishes, 0), "--json");
        assertEquals(2, unknown.exitCode(), unknown.stderr());
        assertEquals(1, unknown.stderr().strip().lines().count(), unknown.stderr());
        assertTrue(unknown.stderr().contains("error: no generation " + id(publishes, 0) + " of " + target
                + " is kept in " + history), unknown.stderr());
        assertEquals("INVALID_REQUEST", JSON.readTree(unknown.stdout()).get("reason").asText());
        try (Connection c = Lakehouse.open(Path.of(target), true)) {
            assertEquals(List.of(List.of(id(publishes, 3))),
                    Lakehouse.rows(c, "SELECT publish_id FROM serving_meta.publish"), "the target is untouched");
        }

        CliRun pruned = CliRun.of("prune", "--target", target, "--keep", "1", "--json", "--quiet");
        assertEquals(0, pruned.exitCode(), pruned.stderr());
        JsonNode prune = JSON.readTree(pruned.stdout());
        assertEquals(List.of(id(publishes, 3)), texts(prune.get("kept")));
        assertEquals(List.of(id(publishes, 2), id(publishes, 4)), texts(prune.get("pruned")), "oldest first");
        assertEquals("", pruned.stderr());
    }

    @Test
    void cliRefusesKeepBelowOneAndAKeepForThatIsNoDurationNamingTheOption() throws Exception {
        Path lake = dir.resolve("lakehouse.duckdb");
        Lakehouse.create(lake, 10);
        String target = dir.resolve("analytics.duckdb").toString();
        assertRefused(CliRun.of("--source", lake.toString(), "--target", target, "--keep", "0"), "--keep",
                "at least 1");
        assertRefused(CliRun.of("prune", "--target", target, "--keep", "0"), "--keep", "at least 1");
        assertRefused(CliRun.of("prune", "--target", target, "--keep-for", "-1s"), "--keep-for", "-1s");
        CliRun junk = CliRun.of("prune", "--target", target, "--keep-for", "a week");
        assertEquals(2, junk.exitCode(), junk.stderr());
        assertTrue(junk.stderr().startsWith("Invalid value for option '--keep-for': 'a week' is not a duration"),
                junk.stderr());
        assertEquals(List.of("lakehouse.duckdb"), SnapshotAssertions.entries(dir));
    }

    private static String id(List<JsonNode> reports, int i) {
        return reports.get(i).get("publish_id").asText();
    }

    private static List<String> texts(JsonNode array, String... field) {
        List<String> texts = new ArrayList<>();
        array.forEach(n -> texts.add((field.length == 0 ? n : n.get(field[0])).asText()));
        return texts;
    }

    private static final ObjectMapper JSON = new ObjectMapper();

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
}
