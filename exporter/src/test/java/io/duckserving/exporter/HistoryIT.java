package io.duckserving.exporter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Rollbacks and prunes killed with SIGKILL, for real: at each step (a JVM that stops on the
 * step's progress line, see {@link PausingRun}) and at random instants ({@code java -jar}); the
 * target is always a whole generation, the old or the new one, and the next run, the CLI from
 * its jar, puts everything right. Also a temporary file the kernel will not hard-link.
 */
class HistoryIT extends LocalTargetTestCase {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** One statement, so one snapshot: the metadata's totals must equal the rows actually there. */
    private static final String SNAPSHOT_CHECK = "SELECT p.publish_id, p.total_rows = (SELECT sum(row_count) FROM"
            + " serving_meta.tables) AND p.total_rows = (SELECT count(*) FROM serving.events)"
            + " + (SELECT count(*) FROM serving.moods) + (SELECT count(*) FROM serving.recent)"
            + " FROM serving_meta.publish p";

    @Override
    int lakehouseDays() {
        return 2_000;
    }

    private String publish(int keep) throws ExportException {
        return new Exporter().export(ExportRequest.builder().source(lake).target(target).handoff(Duration.ZERO)
                .keep(keep).build()).publishId();
    }

    @Test
    void rollbackKilledAtEachStepLeavesTheOldOrTheNewGenerationAndTheNextRunPutsItRight() throws Exception {
        String a = publish(5);
        String b = publish(5);
        String c = publish(5);

        // Linked, not renamed: the target is still c, a recognised leftover lies beside it, b's mark is gone.
        killAt("rollback", "linked ", b);
        assertTarget(c);
        Path link = pub.resolve(".analytics.duckdb.tmp-" + b + ".rollback");
        assertEquals(fileKey(history.resolve(b + ".duckdb")), fileKey(link), "the kill left the rollback's link");
        assertEquals(sorted(a + ".duckdb", a + ".retired", b + ".duckdb", c + ".duckdb"), entries(history));
        JsonNode next = cli("prune", "--target", target.toString(), "--keep", "5", "--json", "--quiet");
        assertEquals(List.of(link.toString()), texts(next.get("leftovers_removed")));
        assertTarget(c);
        assertEquals(sorted(".analytics.duckdb.history", "analytics.duckdb", "analytics.duckdb.lock"), entries(pub));
        assertEquals(sorted(a + ".duckdb", a + ".retired", b + ".duckdb", b + ".retired", c + ".duckdb"),
                entries(history), "the next run recorded b as not current (its mark was removed for the rollback)");

        // Renamed, the old generation not yet marked: the target is b, whole; c's mark is written by the next run.
        killAt("rollback", "renamed ", b);
        assertTarget(b);
        assertEquals(sorted(a + ".duckdb", a + ".retired", b + ".duckdb", c + ".duckdb"), entries(history));
        JsonNode listed = cli("history", "--target", target.toString(), "--json");
        assertEquals(b, listed.get("current").asText());
        assertTrue(listed.get("generations").get(2).get("not_current_since").isNull(), "not recorded yet");
        cli("prune", "--target", target.toString(), "--keep", "5", "--quiet");
        assertEquals(sorted(a + ".duckdb", a + ".retired", b + ".duckdb", c + ".duckdb", c + ".retired"),
                entries(history));
        assertEquals(c, cli("rollback", "--target", target.toString(), "--to", c, "--json").get("to_publish_id")
                .asText(), "and the history works on");
        assertTarget(c);
    }

    /**
     * Odd rounds kill anywhere in the run (start-up, lock, reading the generations); even rounds
     * wait for the line saying the link is made and kill within the next few milliseconds, around
     * the rename, the directory fsync and the mark.
     */
    @Test
    void rollbacksKilledAtRandomInstantsAlwaysLeaveAWholeGeneration() throws Exception {
        List<String> ids = List.of(publish(5), publish(5), publish(5));
        long start = System.nanoTime();
        cli("rollback", "--target", target.toString(), "--quiet");
        int fullRunMillis = (int) TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertTarget(ids.get(1));

        Random random = new Random();
        int killed = 0;
        int killedAfterTheLink = 0;
        List<String> outcomes = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            String before = current(ids);
            String to = ids.get((ids.indexOf(before) + 1 + random.nextInt(2)) % 3);
            Process rollback = ChildJvm.exporter(List.of("rollback", "--target", target.toString(), "--to", to));
            rollback.getOutputStream().close();
            long killAfter = random.nextInt(fullRunMillis * 11 / 10);
            if (i % 2 == 0) {
                ChildJvm.awaitLine(rollback.getErrorStream(), "linked ");
                killAfter = random.nextInt(4);
            }
            if (rollback.waitFor(killAfter, TimeUnit.MILLISECONDS)) {
                assertEquals(0, rollback.exitValue(), "a rollback that was not killed succeeds");
                outcomes.add("finished");
            } else {
                rollback.destroyForcibly(); // SIGKILL
                assertTrue(rollback.waitFor(30, TimeUnit.SECONDS));
                killed++;
                killedAfterTheLink += i % 2 == 0 ? 1 : 0;
                outcomes.add("killed " + (i % 2 == 0 ? "after the link" : "at " + killAfter + " ms"));
            }
            String now = current(ids);
            assertTrue(now.equals(before) || now.equals(to), "the target is the old (" + before + ") or the new ("
                    + to + ") generation, not " + now);
            assertTarget(now);
            boolean linkLeft = entries(pub).stream().anyMatch(n -> n.endsWith(".rollback"));
            outcomes.set(i, outcomes.get(i) + (now.equals(to) ? ": new" : ": old") + (linkLeft ? ", link left" : ""));
        }
        cli("prune", "--target", target.toString(), "--keep", "5", "--quiet");

        assertTrue(killed > 0 && killedAfterTheLink > 0, "kills landed in the runs and after the link: " + outcomes);
        assertEquals(sorted(".analytics.duckdb.history", "analytics.duckdb", "analytics.duckdb.lock"), entries(pub),
                "the next run removed every leftover: " + outcomes);
        String current = current(ids);
        List<String> expected = new ArrayList<>();
        for (String id : ids) {
            expected.add(id + ".duckdb");
            if (!id.equals(current)) {
                expected.add(id + ".retired");
            }
        }
        assertEquals(sorted(expected.toArray(String[]::new)), entries(history),
                "every generation kept, each one that is not current marked, the current one not: " + outcomes);
    }

    @Test
    void pruneKilledBetweenAGenerationAndItsMarkLeavesTheTargetWholeAndTheNextRunFinishes() throws Exception {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            ids.add(publish(10));
        }

        killAt("prune", "pruned generation ", "1");

        assertTarget(ids.get(4));
        List<String> left = entries(history);
        assertTrue(!left.contains(ids.get(0) + ".duckdb") && left.contains(ids.get(0) + ".retired"),
                "killed after the oldest generation's file went, before its mark: " + left);
        assertEquals(4, left.stream().filter(n -> n.endsWith(".duckdb")).count(), left.toString());
        JsonNode next = cli("prune", "--target", target.toString(), "--keep", "1", "--json", "--quiet");
        assertEquals(ids.subList(1, 4), texts(next.get("pruned")), "oldest first");
        assertEquals(List.of(ids.get(4)), texts(next.get("kept")));
        assertEquals(List.of(history.resolve(ids.get(0) + ".retired").toString()),
                texts(next.get("leftovers_removed")));
        assertEquals(List.of(ids.get(4) + ".duckdb"), entries(history));
        assertTarget(ids.get(4));
    }

    /**
     * As in HandoffIT: no file system without hard links is at hand, so the sealed temporary file
     * is made immutable (chattr +i, root only) after the verification, which makes link(2) refuse
     * with EPERM, and mutable again when the exporter says it publishes without a generation.
     */
    @Test
    void aTemporaryFileThatCannotBeHardLinkedIsPublishedWithoutAGeneration() throws Exception {
        String first = publish(2);
        List<String> lines = new ArrayList<>();
        ExportReport report;
        try (ImmutableWindow window = new ImmutableWindow(lines, "verified row counts", this::temporaryFile,
                "keeping no generation")) {
            report = new Exporter().export(ExportRequest.builder().source(lake).target(target).handoff(Duration.ZERO)
                    .progress(window).build());
        }

        String skipped = report.historySkipped();
        assertTrue(skipped != null && skipped.startsWith("cannot hard-link " + history.resolve(report.publishId()
                + ".duckdb.pending")) && skipped.endsWith(": Operation not permitted"), skipped + " " + lines);
        assertTrue(lines.contains("keeping no generation of this publish (" + skipped + "); publishing without it"),
                lines.toString());
        assertNull(report.generationKept());
        ObjectNode json = ExportCommand.reportJson(report);
        assertTrue(json.get("generation_kept").isNull());
        assertEquals(skipped, json.get("history_skipped").asText());
        assertTarget(report.publishId(), false);
        assertEquals(List.of(first + ".duckdb", first + ".retired"), entries(history),
                "the earlier generation stays, marked as no longer current");
        JsonNode listed = cli("history", "--target", target.toString(), "--json");
        assertTrue(listed.get("current").isNull(), "the target is no kept generation");
        assertEquals(sorted(".analytics.duckdb.history", "analytics.duckdb", "analytics.duckdb.lock"), entries(pub));
    }

    /** Starts {@link PausingRun}, waits until it stops on the line starting with {@code lineStart}, kills it. */
    private void killAt(String operation, String lineStart, String argument) throws Exception {
        Process child = ChildJvm.main(PausingRun.class, operation, target.toString(), lineStart, argument);
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(),
                    StandardCharsets.UTF_8));
            String line = out.readLine();
            assertTrue(line != null && line.startsWith(PausingRun.PAUSED + lineStart), "the child stopped at '"
                    + lineStart + "': " + line);
        } finally {
            child.destroyForcibly(); // SIGKILL
            assertTrue(child.waitFor(30, TimeUnit.SECONDS));
        }
    }

    /** The CLI from its jar, expected to succeed; its JSON report, if it printed one. */
    private static JsonNode cli(String... args) throws Exception {
        ChildJvm.Result r = ChildJvm.runExporter(60, args);
        assertEquals(0, r.exitCode(), String.join(" ", args) + ": " + r.stderr());
        return r.stdout().isBlank() ? null : JSON.readTree(r.stdout());
    }

    private void assertTarget(String publishId) throws Exception {
        assertTarget(publishId, true);
    }

    /** The target is this publish, whole, and (if kept) the very inode of its generation. */
    private void assertTarget(String publishId, boolean kept) throws Exception {
        try (Connection c = Lakehouse.open(target, true)) {
            assertEquals(List.of(List.of(publishId, "true")), Lakehouse.rows(c, SNAPSHOT_CHECK),
                    "the target is publish " + publishId + ", whole");
        }
        if (kept) {
            assertEquals(fileKey(history.resolve(publishId + ".duckdb")), fileKey(target),
                    "the target is the kept file itself");
        }
    }

    /** The generation whose file is the target now. */
    private String current(List<String> ids) throws IOException {
        Object key = fileKey(target);
        for (String id : ids) {
            if (key.equals(fileKey(history.resolve(id + ".duckdb")))) {
                return id;
            }
        }
        throw new AssertionError("the target is none of the generations " + ids);
    }

    private Path temporaryFile() throws IOException {
        try (Stream<Path> s = Files.list(pub)) {
            List<Path> temps = s.filter(p -> p.getFileName().toString().matches("\\.analytics\\.duckdb\\.tmp-"
                    + Exporter.PUBLISH_ID_PATTERN)).toList();
            assertEquals(1, temps.size(), temps.toString());
            return temps.get(0);
        }
    }

    private static List<String> entries(Path dir) throws IOException {
        return SnapshotAssertions.entries(dir);
    }

    private static List<String> sorted(String... names) {
        return Stream.of(names).sorted().toList();
    }

    private static List<String> texts(JsonNode array) {
        List<String> texts = new ArrayList<>();
        array.forEach(n -> texts.add(n.asText()));
        return texts;
    }

    private static Object fileKey(Path path) throws IOException {
        return Files.readAttributes(path, BasicFileAttributes.class).fileKey();
    }
}
