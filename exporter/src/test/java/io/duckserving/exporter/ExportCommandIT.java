package io.duckserving.exporter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The CLI as a separate JVM ({@code java -jar ...-all.jar}), with a second JVM playing the pipeline. */
class ExportCommandIT {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    Path lake;
    Path target;

    @BeforeEach
    void createLakehouse() throws Exception {
        lake = dir.resolve("lakehouse.duckdb");
        target = dir.resolve("analytics.duckdb");
        Lakehouse.create(lake, 2_000);
    }

    @Test
    void publishesAndPrintsAJsonReportWithProgressOnStandardError() throws Exception {
        ChildJvm.Result r = ChildJvm.runExporter(60, "--source", lake.toString(), "--target", target.toString(),
                "--json");

        assertEquals(0, r.exitCode(), r.stderr());
        JsonNode report = JSON.readTree(r.stdout());
        assertEquals("ok", report.get("status").asText());
        assertEquals(1_000, report.get("handoff_ms").asLong(), "the default handoff, 1 s");
        assertFalse(report.has("handoff_skipped"), r.stdout());
        assertTrue(r.stderr().contains("to readers for 1s"), r.stderr());
        assertEquals(2_000 + 2 + 1_000, report.get("total_rows").asLong());
        assertEquals(target.toString(), report.get("target").asText());
        assertEquals("serving.events", report.get("tables").get(0).get("table").asText());
        assertTrue(r.stderr().contains("copied view serving.events: 2,000 rows"), r.stderr());
        String generation = dir.resolve(".analytics.duckdb.history/" + report.get("publish_id").asText() + ".duckdb")
                .toString();
        assertEquals(generation, report.get("generation_kept").asText(), "today's command line keeps a generation");
        assertEquals(0, report.get("generations_pruned").size());
        assertTrue(r.stderr().contains("kept generation " + report.get("publish_id").asText() + " as " + generation),
                r.stderr());
        try (Connection c = Lakehouse.open(target, true)) {
            assertEquals(List.of(List.of(report.get("publish_id").asText())),
                    Lakehouse.rows(c, "SELECT publish_id FROM serving_meta.publish"));
        }
        assertEquals(List.of(".analytics.duckdb.history", "analytics.duckdb", "analytics.duckdb.lock",
                "lakehouse.duckdb"), SnapshotAssertions.entries(dir));
    }

    @Test
    void sourceHeldByAWriterFailsAfterWaitNamingTheSourceAndTheHoldersPid() throws Exception {
        String published = publish();
        Process holder = ChildJvm.main(WriteLockHolder.class, lake.toString());
        try {
            ChildJvm.awaitLine(holder.getInputStream(), "holding");
            ChildJvm.Result r = ChildJvm.runExporter(60, "--source", lake.toString(), "--target",
                    target.toString(), "--wait", "1", "--json");

            assertEquals(3, r.exitCode(), r.stderr());
            String error = lastLine(r.stderr());
            assertTrue(error.contains("source " + lake + " is locked by a writer")
                    && error.contains("PID " + holder.pid()) && error.contains("--wait"), error);
            assertEquals("SOURCE_LOCKED", JSON.readTree(r.stdout()).get("reason").asText());
        } finally {
            release(holder);
        }
        assertPublished(published);
        SnapshotAssertions.assertNoTempFiles(dir);
    }

    @Test
    void writerThatFinishesWithinTheWaitLetsTheExportSucceed() throws Exception {
        Process holder = ChildJvm.main(WriteLockHolder.class, lake.toString());
        Process exporter;
        try {
            ChildJvm.awaitLine(holder.getInputStream(), "holding");
            exporter = ChildJvm.exporter(List.of("--source", lake.toString(), "--target", target.toString(),
                    "--wait", "60", "--handoff", "0"));
            exporter.getOutputStream().close();
            CompletableFuture<String> out = ChildJvm.readAsync(exporter.getInputStream());
            BufferedReader err = new BufferedReader(new InputStreamReader(exporter.getErrorStream(),
                    StandardCharsets.UTF_8));
            String line;
            while ((line = err.readLine()) != null && !line.contains("is locked by a writer")) {
                // the exporter says it is waiting before the pipeline lets go
            }
            assertTrue(line != null && line.contains("waiting up to 60 s"), "exporter announced the wait: " + line);
            release(holder);
            assertTrue(exporter.waitFor(60, TimeUnit.SECONDS));
            assertEquals(0, exporter.exitValue(), out.get());
        } finally {
            release(holder);
        }
        try (Connection c = Lakehouse.open(target, true)) {
            assertEquals(1, Lakehouse.scalar(c, "SELECT count(*) FROM serving_meta.publish"));
        }
    }

    @Test
    void catalogClashAndUsageErrorsExitWithTwoAndOneLineOnStandardError() throws Exception {
        ChildJvm.Result clash = ChildJvm.runExporter(60, "--source", lake.toString(), "--target",
                dir.resolve("serving.duckdb").toString());
        assertEquals(2, clash.exitCode());
        assertEquals(1, clash.stderr().strip().lines().count(), clash.stderr());
        assertTrue(clash.stderr().contains("catalog 'serving'"), clash.stderr());
        assertFalse(Files.exists(dir.resolve("serving.duckdb.lock")), "refused before writing anything");

        ChildJvm.Result missingTarget = ChildJvm.runExporter(60, "--source", lake.toString());
        assertEquals(2, missingTarget.exitCode());
        assertTrue(missingTarget.stderr().contains("--target"), missingTarget.stderr());

        ChildJvm.Result version = ChildJvm.runExporter(60, "--version");
        assertEquals(0, version.exitCode());
        assertTrue(version.stdout().matches("duckdb-serving-export \\d+\\.\\d+\\.\\d+.*\\s*"), version.stdout());
    }

    private String publish() throws Exception {
        ChildJvm.Result r = ChildJvm.runExporter(60, "--source", lake.toString(), "--target", target.toString(),
                "--json", "--quiet", "--handoff", "0");
        assertEquals(0, r.exitCode(), r.stderr());
        assertEquals("", r.stderr(), "--quiet prints nothing on success");
        return JSON.readTree(r.stdout()).get("publish_id").asText();
    }

    private void assertPublished(String publishId) throws Exception {
        try (Connection c = Lakehouse.open(target, true)) {
            assertEquals(List.of(List.of(publishId)), Lakehouse.rows(c, "SELECT publish_id FROM serving_meta.publish"));
        }
    }

    private static String lastLine(String text) {
        List<String> lines = text.strip().lines().toList();
        return lines.get(lines.size() - 1);
    }

    private static void release(Process holder) throws Exception {
        if (holder.isAlive()) {
            holder.getOutputStream().close();
            if (!holder.waitFor(30, TimeUnit.SECONDS)) {
                holder.destroyForcibly();
            }
        }
    }
}
