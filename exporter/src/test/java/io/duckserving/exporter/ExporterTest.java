package io.duckserving.exporter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.sql.Connection;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExporterTest {

    @TempDir
    Path dir;

    Path lake;
    Path target;

    @BeforeEach
    void createLakehouse() throws Exception {
        Files.createDirectories(dir.resolve("lake"));
        Files.createDirectories(dir.resolve("pub"));
        lake = dir.resolve("lake/lakehouse.duckdb");
        target = dir.resolve("pub/analytics.duckdb");
        Lakehouse.create(lake, 5_000);
    }

    /** Without the handoff, which HandoffTest tests: here it would only add a second per publish. */
    private ExportReport export(String... schemas) throws ExportException {
        ExportRequest.Builder b = ExportRequest.builder().source(lake).target(target).handoff(Duration.ZERO);
        if (schemas.length > 0) {
            b.schemas(List.of(schemas));
        }
        return new Exporter().export(b.build());
    }

    @Test
    void copiesTablesAndViewsOfTheServingSchemaWithExactTypesAndValues() throws Exception {
        ExportReport report = export();

        assertEquals(List.of("serving.events", "serving.moods", "serving.recent"), List.copyOf(report.tables().keySet()));
        assertEquals(5_000L + 2 + 2_500, report.totalRows());
        SnapshotAssertions.assertSameRelations(lake, target,
                List.of("serving.events", "serving.moods", "serving.recent"));
        try (Connection c = Lakehouse.open(target, true)) {
            assertEquals(List.of(List.of("serving"), List.of("serving_meta")), Lakehouse.rows(c,
                    "SELECT schema_name FROM duckdb_schemas() WHERE NOT internal AND schema_name <> 'main' "
                            + "ORDER BY 1"), "only the chosen schema and the metadata are copied");
            assertEquals(List.of(List.of("ENUM('sad', 'ok', 'happy')", "HUGEINT", "UUID")), Lakehouse.rows(c,
                    "SELECT typeof(feeling), typeof(n), typeof(u) FROM serving.moods LIMIT 1"));
            assertEquals(List.of(List.of("170141183460469231731687303715884105727")), Lakehouse.rows(c,
                    "SELECT max(n)::VARCHAR FROM serving.moods"));
        }
    }

    @Test
    void metadataSchemaRecordsPublishIdSourceAndRowCounts() throws Exception {
        ExportReport report = export("serving", "other");
        try (Connection c = Lakehouse.open(target, true)) {
            List<List<String>> publish = Lakehouse.rows(c,
                    "SELECT publish_id, source, total_rows, typeof(published_at) FROM serving_meta.publish");
            assertEquals(List.of(List.of(report.publishId(), lake.toString(), Long.toString(report.totalRows()),
                    "TIMESTAMP WITH TIME ZONE")), publish);
            long micros = report.publishedAt().getEpochSecond() * 1_000_000 + report.publishedAt().getNano() / 1_000;
            assertEquals(micros, Lakehouse.scalar(c, "SELECT epoch_us(published_at) FROM serving_meta.publish"));
            assertEquals(List.of(List.of("other", "secret", "1"), List.of("serving", "events", "5000"),
                    List.of("serving", "moods", "2"), List.of("serving", "recent", "2500")), Lakehouse.rows(c,
                    "SELECT schema_name, table_name, row_count FROM serving_meta.tables ORDER BY 1, 2"));
        }
    }

    @Test
    void republishingReplacesTheTargetWithANewFile() throws Exception {
        ExportReport first = export();
        Object firstKey = Files.readAttributes(target, BasicFileAttributes.class).fileKey();
        try (Connection held = Lakehouse.open(target, true)) { // keeps the old inode alive
            ExportReport second = export();
            assertNotEquals(first.publishId(), second.publishId());
            assertNotEquals(firstKey, Files.readAttributes(target, BasicFileAttributes.class).fileKey());
            assertEquals(first.publishId(), Lakehouse.rows(held, "SELECT publish_id FROM serving_meta.publish")
                    .get(0).get(0), "an open reader keeps its snapshot");
        }
        assertEquals(List.of(".analytics.duckdb.history", "analytics.duckdb", "analytics.duckdb.lock"),
                SnapshotAssertions.entries(target.getParent()));
    }

    @Test
    void targetWhoseCatalogNameEqualsAnExportedSchemaIsRefusedBeforeWritingAnything() {
        Path clash = dir.resolve("pub/Serving.v2.duckdb");
        ExportException e = assertThrows(ExportException.class, () -> new Exporter().export(
                ExportRequest.builder().source(lake).target(clash).build()));
        assertEquals(ExportException.Reason.INVALID_REQUEST, e.reason());
        assertTrue(e.getMessage().contains("catalog 'Serving'") && e.getMessage().contains("analytics.duckdb"),
                e.getMessage());
        assertTrue(entriesOrFail(dir.resolve("pub")).isEmpty(), "nothing written");
    }

    @Test
    void missingSchemaFailsNamingItAndLeavesThePublishedTargetUntouched() throws Exception {
        ExportReport published = export();
        ExportException e = assertThrows(ExportException.class, () -> export("serving", "marts"));
        assertEquals(ExportException.Reason.INVALID_REQUEST, e.reason());
        assertTrue(e.getMessage().contains("'marts'") && e.getMessage().contains(lake.toString())
                && e.getMessage().contains("serving, staging"), e.getMessage());
        assertPublished(published.publishId());
        SnapshotAssertions.assertNoTempFiles(target.getParent());
    }

    @Test
    void missingSourceOrTargetDirectoryFailClearly() throws Exception {
        ExportException noSource = assertThrows(ExportException.class, () -> new Exporter().export(
                ExportRequest.builder().source(dir.resolve("nope.duckdb")).target(target).build()));
        assertEquals(ExportException.Reason.INVALID_REQUEST, noSource.reason());
        assertTrue(noSource.getMessage().contains(dir.resolve("nope.duckdb").toString()), noSource.getMessage());
        assertFalse(Files.exists(target));

        ExportException noDir = assertThrows(ExportException.class, () -> new Exporter().export(
                ExportRequest.builder().source(lake).target(dir.resolve("missing/analytics.duckdb")).build()));
        assertEquals(ExportException.Reason.INVALID_REQUEST, noDir.reason());
        assertTrue(noDir.getMessage().contains(dir.resolve("missing").toString()), noDir.getMessage());
    }

    @Test
    void sourceThatIsNotADuckDbFileFailsAndLeavesNoHalfFile() throws Exception {
        Path junk = dir.resolve("lake/junk.duckdb");
        Files.writeString(junk, "not a database ".repeat(1000));
        ExportException e = assertThrows(ExportException.class, () -> new Exporter().export(
                ExportRequest.builder().source(junk).target(target).build()));
        assertTrue(e.getMessage().contains(junk.toString()), e.getMessage());
        assertEquals(List.of(), SnapshotAssertions.entries(target.getParent()), "refused before the lock file");
    }

    @Test
    void threadsAndMemoryLimitApplyAndABadLimitIsRefusedNamingTheOption() throws Exception {
        ExportReport report = new Exporter().export(ExportRequest.builder().source(lake).target(target)
                .threads(1).memoryLimit("256MB").handoff(Duration.ZERO).build());
        assertEquals(7_502, report.totalRows());

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ExportRequest
                .builder().source(lake).target(target).memoryLimit("lots"));
        assertTrue(e.getMessage().contains("'lots'") && e.getMessage().contains("--memory-limit"), e.getMessage());
        assertPublished(report.publishId());
        assertThrows(IllegalArgumentException.class, () -> ExportRequest.builder().threads(-1));
    }

    @Test
    void sourceOpenReadWriteInThisJvmIsRefusedPointingToTheLiveConnectionRoute() throws Exception {
        try (Connection pipeline = Lakehouse.open(lake, false)) {
            ExportException e = assertThrows(ExportException.class, () -> export());
            assertEquals(ExportException.Reason.INVALID_REQUEST, e.reason());
            assertTrue(e.getMessage().contains("already open in this JVM") && e.getMessage().contains("sourceConnection"),
                    e.getMessage());
            assertEquals(1, Lakehouse.scalar(pipeline, "SELECT count(*) FROM other.secret"), "the pipeline is unharmed");
        }
        assertFalse(Files.exists(target));
    }

    @Test
    void leftoversOfKilledRunsAreRemovedByTheNextRun() throws Exception {
        Path pub = target.getParent();
        Path temp = Files.writeString(pub.resolve(".analytics.duckdb.tmp-20240101T000000Z-aaaaaa"), "half a snapshot");
        Files.writeString(pub.resolve(".analytics.duckdb.tmp-20240101T000000Z-aaaaaa.wal"), "wal");
        // A run killed during its handoff leaves the link beside the sealed temporary file.
        Files.createLink(pub.resolve(".analytics.duckdb.tmp-20240101T000000Z-aaaaaa.handoff"), temp);
        Files.createDirectories(pub.resolve(".analytics.duckdb.tmp-20240101T000000Z-aaaaaa.spill/sub"));
        Files.writeString(pub.resolve("unrelated.txt"), "not ours");

        ExportReport report = export();

        assertEquals(4, report.leftoversRemoved().size(), report.leftoversRemoved().toString());
        assertEquals(List.of(".analytics.duckdb.history", "analytics.duckdb", "analytics.duckdb.lock", "unrelated.txt"),
                SnapshotAssertions.entries(pub));
    }

    @Test
    void secondExporterOfTheSameTargetWaitsThenFailsNamingTheLockFile() throws Exception {
        try (TargetLock held = TargetLock.acquire(target, Duration.ZERO)) {
            ExportException e = assertThrows(ExportException.class, () -> new Exporter().export(ExportRequest
                    .builder().source(lake).target(target).waitTimeout(Duration.ofMillis(300)).build()));
            assertEquals(ExportException.Reason.TARGET_LOCKED, e.reason());
            assertTrue(e.getMessage().contains("analytics.duckdb.lock"), e.getMessage());
        }
        assertFalse(Files.exists(target));
        export();
        assertTrue(Files.exists(target));
    }

    /** The same clean-up path as a full disk (checked by hand on a 2 MB tmpfs: "No space left on device"). */
    @Test
    void failureInTheMiddleOfTheCopyLeavesTheTargetUntouchedAndNoHalfFile() throws Exception {
        ExportReport published = export();
        try (Connection c = Lakehouse.open(lake, false)) {
            c.createStatement().execute("CREATE VIEW serving.zz_broken AS SELECT CASE WHEN i = 40000 "
                    + "THEN error('boom at row 40000') ELSE i END AS x FROM range(50000) r(i)");
        }
        ExportException e = assertThrows(ExportException.class, () -> export());
        assertEquals(ExportException.Reason.FAILED, e.reason());
        assertTrue(e.getMessage().contains("view serving.zz_broken") && e.getMessage().contains("boom at row 40000"),
                e.getMessage());
        assertPublished(published.publishId());
        assertEquals(List.of(".analytics.duckdb.history", "analytics.duckdb", "analytics.duckdb.lock"),
                SnapshotAssertions.entries(target.getParent()));
    }

    @Test
    void staleWalBesideTheTargetIsRemovedSoTheNewSnapshotOpens() throws Exception {
        export();
        Files.writeString(target.resolveSibling("analytics.duckdb.wal"), "a wal of some other file");
        ExportReport second = export();
        assertPublished(second.publishId());
        SnapshotAssertions.assertNoTempFiles(target.getParent());
    }

    private void assertPublished(String publishId) throws Exception {
        try (Connection c = Lakehouse.open(target, true)) {
            assertEquals(List.of(List.of(publishId)), Lakehouse.rows(c, "SELECT publish_id FROM serving_meta.publish"));
        }
    }

    private static List<String> entriesOrFail(Path dir) {
        try {
            return SnapshotAssertions.entries(dir);
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }
}
