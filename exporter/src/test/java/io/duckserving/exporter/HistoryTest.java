package io.duckserving.exporter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Generations through the library API on real files: each publish kept as a hard link in
 * {@code .<target>.history}, the deletion policy, rollback by one rename of a link, and the states a
 * killed run leaves put right by the next one.
 */
class HistoryTest extends LocalTargetTestCase {

    @Override
    int lakehouseDays() {
        return 100;
    }

    private ExportReport publish(int keep, Duration keepFor) throws ExportException {
        return new Exporter().export(ExportRequest.builder().source(lake).target(target).handoff(Duration.ZERO)
                .keep(keep).keepFor(keepFor).build());
    }

    @Test
    void everyPublishIsKeptAsAHardLinkOfThePublishedFile() throws Exception {
        List<String> lines = new ArrayList<>();
        ExportReport first = publish(2, Duration.ZERO);
        ExportReport second = new Exporter().export(ExportRequest.builder().source(lake).target(target)
                .handoff(Duration.ZERO).progress(lines::add).build());

        Path kept = history.resolve(second.publishId() + ".duckdb");
        assertEquals(kept, second.generationKept());
        assertEquals(fileKey(target), fileKey(kept), "the generation is the published inode: no copy");
        assertEquals(2, Files.getAttribute(target, "unix:nlink"));
        assertEquals("r--r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(kept)));
        assertTrue(lines.contains("kept generation " + second.publishId() + " as " + kept), lines.toString());
        assertEquals(sorted(first.publishId() + ".duckdb", first.publishId() + ".retired",
                second.publishId() + ".duckdb"), SnapshotAssertions.entries(history));
        assertEquals(List.of(), second.generationsPruned());
        assertNull(second.historySkipped());

        List<Generation> generations = Publications.of(target).history();
        assertEquals(List.of(first.publishId(), second.publishId()), ids(generations));
        Generation old = generations.get(0);
        Generation current = generations.get(1);
        assertFalse(old.isCurrent());
        assertTrue(current.isCurrent());
        assertNull(current.notCurrentSince());
        assertNotNull(old.notCurrentSince());
        assertTrue(!old.notCurrentSince().isBefore(second.publishedAt()), "stopped being current after the second "
                + "was written: " + old.notCurrentSince() + " vs " + second.publishedAt());
        assertEquals(second.publishedAt(), current.publishedAt());
        assertEquals(lake.toString(), current.source());
        assertEquals(second.totalRows(), current.totalRows());
        assertEquals(second.bytes(), current.bytes());
        assertNull(current.problem());
    }

    @Test
    void publishingFiveTimesWithKeepThreeKeepsTheThreeNewestAndPrunesOldestFirst() throws Exception {
        List<ExportReport> reports = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            reports.add(publish(3, Duration.ZERO));
        }
        assertEquals(List.of(), reports.get(2).generationsPruned());
        assertEquals(List.of(reports.get(0).publishId()), reports.get(3).generationsPruned());
        assertEquals(List.of(reports.get(1).publishId()), reports.get(4).generationsPruned());

        List<Generation> generations = Publications.of(target).history();
        assertEquals(ids(reports.subList(2, 5)), ids(generations), "oldest publish first");
        assertEquals(List.of(false, false, true), generations.stream().map(Generation::isCurrent).toList());
        assertEquals(fileKey(target), fileKey(generations.get(2).file()));
        assertPublished(reports.get(4).publishId());
    }

    @Test
    void rollbackMakesThePreviousPublishCurrentByRenamingALinkToItsFile() throws Exception {
        ExportReport a = publish(5, Duration.ZERO);
        ExportReport b = publish(5, Duration.ZERO);
        ExportReport c = publish(5, Duration.ZERO);
        List<String> lines = new ArrayList<>();
        Publications publications = Publications.of(target).progress(lines::add);

        RollbackReport toB = publications.rollback();

        assertEquals(c.publishId(), toB.fromPublishId());
        assertEquals(b.publishId(), toB.toPublishId());
        assertTrue(toB.changed());
        assertPublished(b.publishId());
        Path bFile = history.resolve(b.publishId() + ".duckdb");
        assertEquals(bFile, toB.file());
        assertEquals(fileKey(bFile), fileKey(target), "the target is the kept inode: nothing copied");
        assertEquals(2, Files.getAttribute(target, "unix:nlink"), "the target and its generation, no third name");
        assertTrue(lines.contains("linked " + pub.resolve(".analytics.duckdb.tmp-" + b.publishId() + ".rollback")
                + " to " + bFile + "; renaming it over " + target), lines.toString());
        Generation cNow = find(publications.history(), c.publishId());
        assertFalse(cNow.isCurrent());
        assertNotNull(cNow.notCurrentSince(), "the rollback recorded when " + c.publishId() + " stopped being current");

        assertEquals(a.publishId(), publications.rollback().toPublishId(), "again: one further back");
        assertPublished(a.publishId());
        ExportException oldest = assertThrows(ExportException.class, publications::rollback);
        assertEquals(ExportException.Reason.INVALID_REQUEST, oldest.reason());
        assertTrue(oldest.getMessage().contains("the current generation " + a.publishId() + " is the oldest kept")
                && oldest.getMessage().contains("--to"), oldest.getMessage());

        RollbackReport forward = publications.rollback(c.publishId());
        assertEquals(c.publishId(), forward.toPublishId());
        assertPublished(c.publishId());
        RollbackReport same = publications.rollback(c.publishId());
        assertFalse(same.changed(), "the current one asked for: nothing to do");
        assertEquals(List.of(".analytics.duckdb.history", "analytics.duckdb", "analytics.duckdb.lock"),
                SnapshotAssertions.entries(pub), "no link left beside the target");
    }

    @Test
    void rollbackToAnUnknownOrMalformedIdIsRefusedAndTheTargetIsUntouched() throws Exception {
        ExportReport a = publish(2, Duration.ZERO);
        publish(2, Duration.ZERO);
        ExportReport c = publish(2, Duration.ZERO);
        Object key = fileKey(target);
        List<String> before = SnapshotAssertions.entries(pub);
        List<String> historyBefore = SnapshotAssertions.entries(history);

        ExportException pruned = assertThrows(ExportException.class,
                () -> Publications.of(target).rollback(a.publishId()));
        assertEquals(ExportException.Reason.INVALID_REQUEST, pruned.reason());
        assertTrue(pruned.getMessage().contains("no generation " + a.publishId()) && pruned.getMessage().contains(
                c.publishId()) && pruned.getMessage().contains(history.toString()), pruned.getMessage());
        ExportException malformed = assertThrows(ExportException.class,
                () -> Publications.of(target).rollback("yesterday"));
        assertEquals(ExportException.Reason.INVALID_REQUEST, malformed.reason());
        assertTrue(malformed.getMessage().contains("'yesterday' (--to) is not a publish id"), malformed.getMessage());

        assertEquals(key, fileKey(target));
        assertPublished(c.publishId());
        assertEquals(before, SnapshotAssertions.entries(pub));
        assertEquals(historyBefore, SnapshotAssertions.entries(history));
    }

    @Test
    void rollbackWithNothingKeptIsRefusedAndLeavesNoLockFile() throws Exception {
        ExportException e = assertThrows(ExportException.class, () -> Publications.of(target).rollback());
        assertEquals(ExportException.Reason.INVALID_REQUEST, e.reason());
        assertTrue(e.getMessage().contains("nothing to roll back to"), e.getMessage());
        assertEquals(List.of(), SnapshotAssertions.entries(pub));
        assertEquals(List.of(), Publications.of(target).history());
    }

    /** Times come from a clock the test sets, so the boundary is exact and nothing sleeps. */
    @Test
    void keepForKeepsAGenerationThatStoppedBeingCurrentRecentlyEvenBeyondKeep() throws Exception {
        ExportReport a = publish(1, Duration.ofHours(1));
        ExportReport b = publish(1, Duration.ofHours(1));
        ExportReport c = publish(1, Duration.ofHours(1));
        assertEquals(List.of(), c.generationsPruned(), "both earlier ones stopped being current under an hour ago");
        List<Generation> generations = Publications.of(target).history();
        assertEquals(ids(List.of(a, b, c)), ids(generations));
        Instant aSince = generations.get(0).notCurrentSince();
        Instant bSince = generations.get(1).notCurrentSince();
        assertTrue(aSince.isBefore(bSince), aSince + " " + bSince);

        PruneReport justBefore = at(bSince.plus(Duration.ofHours(1)).minusMillis(1)).prune(1, Duration.ofHours(1));
        assertEquals(List.of(a.publishId()), justBefore.pruned(), "a's hour is over, b's is not");
        assertEquals(List.of(c.publishId(), b.publishId()), justBefore.kept(), "current first");
        PruneReport atTheHour = at(bSince.plus(Duration.ofHours(1))).prune(1, Duration.ofHours(1));
        assertEquals(List.of(b.publishId()), atTheHour.pruned());
        assertEquals(List.of(c.publishId()), ids(Publications.of(target).history()), "never the current one");
        assertEquals(List.of(c.publishId() + ".duckdb"), SnapshotAssertions.entries(history));
    }

    @Test
    void keepCountsFromTheGenerationCurrentMostRecentlySoARollbackKeepsWhatItLeft() throws Exception {
        ExportReport a = publish(5, Duration.ZERO);
        ExportReport b = publish(5, Duration.ZERO);
        ExportReport c = publish(5, Duration.ZERO);
        Publications publications = Publications.of(target);
        publications.rollback(b.publishId()); // c stops being current now, after a did

        PruneReport two = publications.prune(2, Duration.ZERO);
        assertEquals(List.of(a.publishId()), two.pruned());
        assertEquals(List.of(b.publishId(), c.publishId()), two.kept());
        ExportReport d = publish(2, Duration.ZERO);
        assertEquals(List.of(c.publishId()), d.generationsPruned(), "b was current just before d: b stays");
        assertEquals(List.of(b.publishId(), d.publishId()), ids(publications.history()));
        PruneReport one = publications.prune(1, Duration.ZERO);
        assertEquals(List.of(b.publishId()), one.pruned());
        assertEquals(List.of(d.publishId()), one.kept());
    }

    @Test
    void pruneRefusesKeepBelowOneAndKeepForOutOfRangeNamingTheOption() {
        IllegalArgumentException keep = assertThrows(IllegalArgumentException.class,
                () -> Publications.of(target).prune(0, Duration.ZERO));
        assertTrue(keep.getMessage().contains("--keep") && keep.getMessage().contains("at least 1"), keep.getMessage());
        IllegalArgumentException negative = assertThrows(IllegalArgumentException.class,
                () -> ExportRequest.builder().keepFor(Duration.ofSeconds(-1)));
        assertTrue(negative.getMessage().contains("--keep-for"), negative.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ExportRequest.builder().keepFor(Duration.ofDays(3651)));
        assertEquals(2, ExportRequest.builder().source(lake).target(target).build().keep());
        assertEquals(Duration.ZERO, ExportRequest.builder().source(lake).target(target).build().keepFor());
    }

    @Test
    void theDeletionPolicyDeletesOldestFirstAndNeverTheCurrent() {
        Instant now = Instant.parse("2025-03-01T12:00:00Z");
        List<History.Entry> entries = List.of(
                entry("20250301T100000Z-000001", false, now.minusSeconds(7200)),
                entry("20250301T100000Z-000002", false, now.minusSeconds(3600)),
                entry("20250301T100000Z-000003", true, null),
                entry("20250301T100000Z-000004", false, now.minusSeconds(60)),
                entry("20250301T100000Z-000005", false, null));
        assertEquals(List.of("20250301T100000Z-000001", "20250301T100000Z-000002", "20250301T100000Z-000004"),
                History.toPrune(entries, 2, Duration.ZERO, now).stream().map(History.Entry::publishId).toList(),
                "a missing mark counts as now: 000005 was current most recently");
        assertEquals(List.of("20250301T100000Z-000001"), History.toPrune(entries, 2, Duration.ofMinutes(61), now)
                .stream().map(History.Entry::publishId).toList());
        assertEquals(List.of(), History.toPrune(entries, 5, Duration.ZERO, now));
        assertEquals(List.of("20250301T100000Z-000001"), History.toPrune(entries.subList(0, 2), 1, Duration.ZERO, now)
                .stream().map(History.Entry::publishId).toList(), "with no current one, keep counts the others");
    }

    private static History.Entry entry(String id, boolean current, Instant since) {
        return new History.Entry(id, Path.of(id + ".duckdb"), id, current, since);
    }

    @Test
    void theNextRunPutsRightWhatAKilledRunLeftInTheHistory() throws Exception {
        ExportReport a = publish(5, Duration.ZERO);
        ExportReport b = publish(5, Duration.ZERO);
        // A publish killed after its rename, before the promotion: the target is its pending link.
        Path bFile = history.resolve(b.publishId() + ".duckdb");
        Files.move(bFile, history.resolve(b.publishId() + ".duckdb.pending"));
        // A publish killed before its rename: a pending link to a file that never became the target.
        Path never = Files.writeString(pub.resolve(".analytics.duckdb.tmp-20240101T000000Z-bbbbbb"), "sealed");
        Files.createLink(history.resolve("20240101T000000Z-bbbbbb.duckdb.pending"), never);
        // A generation whose mark was never written (killed after the rename), a mark being written,
        // the mark of a generation deleted by a killed prune, and a rollback's link.
        Files.delete(history.resolve(a.publishId() + ".retired"));
        Files.writeString(history.resolve(a.publishId() + ".retired.tmp"), "2025-");
        Files.writeString(history.resolve("20240101T000000Z-cccccc.retired"), "2024-01-01T00:00:00Z\n");
        Files.createLink(pub.resolve(".analytics.duckdb.tmp-" + a.publishId() + ".rollback"), history.resolve(
                a.publishId() + ".duckdb"));
        Files.writeString(history.resolve("notes.txt"), "not ours");

        List<Generation> whileBroken = Publications.of(target).history();
        assertEquals(List.of(a.publishId(), b.publishId()), ids(whileBroken), "history reads, changing nothing");
        assertTrue(whileBroken.get(1).isCurrent(), "the pending link that is the target is the current generation");
        assertNull(whileBroken.get(0).notCurrentSince(), "not recorded yet");

        Instant before = Instant.now();
        List<String> lines = new ArrayList<>();
        PruneReport report = Publications.of(target).progress(lines::add).prune(5, Duration.ZERO);

        assertEquals(List.of(b.publishId(), a.publishId()), report.kept());
        assertEquals(List.of(pub.resolve(".analytics.duckdb.tmp-" + a.publishId() + ".rollback"),
                history.resolve("20240101T000000Z-bbbbbb.duckdb.pending"),
                history.resolve(a.publishId() + ".retired.tmp"), history.resolve("20240101T000000Z-cccccc.retired"),
                pub.resolve(".analytics.duckdb.tmp-20240101T000000Z-bbbbbb")).stream().sorted().toList(),
                report.leftoversRemoved().stream().sorted().toList());
        assertTrue(lines.contains("kept generation " + b.publishId() + " as " + bFile
                + " (the run that published it was interrupted after the rename)"), lines.toString());
        assertEquals(sorted(a.publishId() + ".duckdb", a.publishId() + ".retired", b.publishId() + ".duckdb",
                "notes.txt"), SnapshotAssertions.entries(history));
        Instant aSince = Publications.of(target).history().get(0).notCurrentSince();
        assertTrue(!aSince.isBefore(before), "a lost mark is recorded as now (keeps longer, never shorter): " + aSince);
        assertEquals(fileKey(target), fileKey(bFile));
        assertPublished(b.publishId());
    }

    @Test
    void theHistoryDirectoryIsNeverTakenForALeftover() throws Exception {
        // Another target whose name makes its history directory look like one of our temporary names.
        Path other = pub.resolve("analytics.duckdb.tmp-20250101T000000Z-abcdef");
        ExportReport otherReport = Lakehouse.export(lake, other);
        Path othersHistory = pub.resolve(".analytics.duckdb.tmp-20250101T000000Z-abcdef.history");
        assertEquals(othersHistory.resolve(otherReport.publishId() + ".duckdb"), otherReport.generationKept());

        ExportReport first = publish(2, Duration.ZERO);
        ExportReport second = publish(2, Duration.ZERO);
        PruneReport pruned = Publications.of(target).prune(2, Duration.ZERO);

        assertEquals(List.of(), first.leftoversRemoved());
        assertEquals(List.of(), second.leftoversRemoved());
        assertEquals(List.of(), pruned.leftoversRemoved());
        assertEquals(List.of(otherReport.publishId() + ".duckdb"), SnapshotAssertions.entries(othersHistory));
        assertEquals(List.of(first.publishId(), second.publishId()), ids(Publications.of(target).history()));
    }

    @Test
    void aHistoryPathThatIsAFileIsRefusedBeforeAnythingIsWritten() throws Exception {
        Files.writeString(history, "not a directory");
        ExportException e = assertThrows(ExportException.class, () -> publish(2, Duration.ZERO));
        assertEquals(ExportException.Reason.INVALID_REQUEST, e.reason());
        assertTrue(e.getMessage().contains(history + " is not a directory"), e.getMessage());
        assertEquals(List.of(".analytics.duckdb.history"), SnapshotAssertions.entries(pub));
    }

    private Publications at(Instant now) {
        return Publications.of(target).clock(Clock.fixed(now, ZoneOffset.UTC));
    }

    private void assertPublished(String publishId) throws Exception {
        try (Connection c = Lakehouse.open(target, true)) {
            assertEquals(List.of(List.of(publishId)), Lakehouse.rows(c, "SELECT publish_id FROM serving_meta.publish"));
        }
    }

    private static List<String> sorted(String... names) {
        return Stream.of(names).sorted().toList();
    }

    private static Generation find(List<Generation> generations, String publishId) {
        return generations.stream().filter(g -> g.publishId().equals(publishId)).findFirst().orElseThrow();
    }

    private static List<String> ids(List<?> items) {
        return items.stream().map(i -> i instanceof Generation g ? g.publishId() : ((ExportReport) i).publishId())
                .toList();
    }

    private static Object fileKey(Path path) throws IOException {
        return Files.readAttributes(path, BasicFileAttributes.class).fileKey();
    }
}
