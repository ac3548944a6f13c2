package io.duckserving.exporter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ArrowCopyTest {

    @TempDir
    Path dir;

    @Test
    void liveConnectionExportKeepsExactTypesAndValues() throws Exception {
        Path lake = dir.resolve("lakehouse.duckdb");
        Path target = dir.resolve("analytics.duckdb");
        Lakehouse.create(lake, 3_000);

        ExportReport report;
        try (Connection pipeline = Lakehouse.open(lake, false)) {
            report = new Exporter().export(ExportRequest.builder().sourceConnection(pipeline).target(target)
                    .handoff(Duration.ZERO).build());
            assertTrue(pipeline.getAutoCommit(), "the pipeline's connection is handed back as it was");
            try (Statement st = pipeline.createStatement()) {
                st.execute("INSERT INTO staging.events (id) VALUES (-1)"); // still usable for writing
            }
            pipeline.createStatement().execute("DELETE FROM staging.events WHERE id = -1");
        }

        assertEquals(3_000L + 2 + 1_500, report.totalRows());
        assertTrue(report.source().startsWith("jdbc:duckdb:"), report.source());
        SnapshotAssertions.assertSameRelations(lake, target,
                List.of("serving.events", "serving.moods", "serving.recent"));
        try (Connection c = Lakehouse.open(target, true)) {
            assertEquals(List.of(List.of("UUID", "HUGEINT", "ENUM('sad', 'ok', 'happy')")), Lakehouse.rows(c,
                    "SELECT typeof(uid), typeof(huge), typeof(feeling) FROM serving.events LIMIT 1"));
            assertEquals(List.of(List.of(report.publishId())), Lakehouse.rows(c,
                    "SELECT publish_id FROM serving_meta.publish"));
        }
        assertEquals(List.of(".analytics.duckdb.history", "analytics.duckdb", "analytics.duckdb.lock",
                "lakehouse.duckdb"), SnapshotAssertions.entries(dir));
    }

    @Test
    void liveConnectionMissingSchemaFailsWithoutWriting() throws Exception {
        Path lake = dir.resolve("lakehouse.duckdb");
        Lakehouse.create(lake, 10);
        try (Connection pipeline = Lakehouse.open(lake, false)) {
            ExportException e = assertThrows(ExportException.class, () -> new Exporter().export(ExportRequest
                    .builder().sourceConnection(pipeline).target(dir.resolve("analytics.duckdb"))
                    .schema("marts").build()));
            assertEquals(ExportException.Reason.INVALID_REQUEST, e.reason());
            assertTrue(e.getMessage().contains("'marts'"), e.getMessage());
            assertTrue(pipeline.getAutoCommit());
        }
        assertTrue(Files.notExists(dir.resolve("analytics.duckdb")));
    }
}
