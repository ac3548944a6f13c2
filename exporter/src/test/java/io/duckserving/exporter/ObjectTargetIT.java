package io.duckserving.exporter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.duckserving.testing.S3TestServer;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CLI as users run it ({@code java -jar ...-all.jar}) against a real S3-compatible server, with
 * credentials, region and endpoint from the environment the way AWS tools take them, and an
 * exporter killed with SIGKILL in the middle of a multipart upload.
 */
class ObjectTargetIT {

    private static final ObjectMapper JSON = new ObjectMapper();

    static ObjectStoreFixture s3;

    @TempDir
    static Path serverDir;

    @TempDir
    Path dir;

    @BeforeAll
    static void startServer() throws Exception {
        s3 = new ObjectStoreFixture(S3TestServer.start(serverDir));
    }

    @AfterAll
    static void stopServer() throws Exception {
        s3.close();
    }

    private Map<String, String> env() {
        return s3.server.awsEnvironment();
    }

    @Test
    void cliPublishesToS3WithCredentialsAndEndpointFromTheEnvironmentAndListsItsHistory() throws Exception {
        Path lake = dir.resolve("lakehouse.duckdb");
        Lakehouse.create(lake, 1_000);
        String bucket = s3.newBucket();
        String uri = "s3://" + bucket + "/serving/analytics.duckdb";
        ChildJvm.Result r = ChildJvm.runExporter(120, env(), "--source", lake.toString(), "--target", uri,
                "--s3-path-style", "--work-dir", dir.toString(), "--json");

        assertEquals(0, r.exitCode(), r.stderr());
        JsonNode report = JSON.readTree(r.stdout());
        String id = report.get("publish_id").asText();
        assertTrue(report.get("target").isNull(), r.stdout());
        JsonNode object = report.get("object_targets").get(0);
        assertEquals(uri, object.get("uri").asText());
        assertEquals("serving/analytics.duckdb/generations/" + id + ".duckdb", object.get("object_key").asText());
        assertTrue(object.get("current").asBoolean());
        byte[] bytes = s3.get(bucket, object.get("object_key").asText());
        assertEquals(bytes.length, object.get("bytes").asLong());
        assertEquals(ObjectStoreFixture.sha256(bytes), object.get("sha256").asText());
        assertTrue(object.has("upload_ms"));
        assertTrue(object.get("made_current_at").asText().endsWith("Z"), object.toString());
        assertEquals(id, s3.json(bucket, "serving/analytics.duckdb/manifest.json").get("publish_id").asText());
        assertTrue(r.stderr().contains("published " + uri + " (" + id + ")"), r.stderr());
        assertEquals(List.of("lakehouse.duckdb"), SnapshotAssertions.entries(dir), "work directory removed");

        ChildJvm.Result history = ChildJvm.runExporter(60, env(), "history", "--target", uri, "--s3-path-style");
        assertEquals(0, history.exitCode(), history.stderr());
        assertTrue(history.stdout().contains("* " + id), history.stdout());
    }

    @Test
    void exporterKilledMidUploadLeavesThePreviousGenerationCurrentAndTheNextRunSucceeds() throws Exception {
        Path lake = dir.resolve("lakehouse.duckdb");
        Lakehouse.create(lake, 250_000);
        String bucket = s3.newBucket();
        String uri = "s3://" + bucket + "/analytics.duckdb";
        Path work = Files.createDirectories(dir.resolve("work"));
        List<String> args = List.of("--source", lake.toString(), "--target", uri, "--s3-path-style", "--work-dir",
                work.toString(), "--s3-part-size", "5MiB", "--json");
        ChildJvm.Result first = ChildJvm.runExporter(120, env(), args.toArray(String[]::new));
        assertEquals(0, first.exitCode(), first.stderr());
        String previous = JSON.readTree(first.stdout()).get("publish_id").asText();

        Process exporter = ChildJvm.exporter(args, env());
        exporter.getOutputStream().close();
        ChildJvm.readAsync(exporter.getInputStream());
        BufferedReader err = new BufferedReader(new InputStreamReader(exporter.getErrorStream(), StandardCharsets.UTF_8));
        List<String> lines = new ArrayList<>();
        String line;
        while ((line = err.readLine()) != null && !line.contains("uploaded part 1 of ")) {
            lines.add(line);
        }
        assertTrue(line != null, "the exporter started a multipart upload: " + lines);
        assertTrue(line.matches(".*uploaded part 1 of [3-9] .*"), "several parts left to upload: " + line);
        exporter.destroyForcibly(); // SIGKILL
        assertTrue(exporter.waitFor(30, TimeUnit.SECONDS));

        assertEquals(previous, s3.json(bucket, "analytics.duckdb/manifest.json").get("publish_id").asText(),
                "manifest.json still names the previous generation");
        assertFalse(s3.keys(bucket).stream().anyMatch(k -> k.endsWith(".duckdb") && !k.contains(previous)),
                "no generation object of the killed run: " + s3.keys(bucket));
        assertEquals(1, SnapshotAssertions.entries(work).size(), "the killed run's work directory is left");
        assertEquals(1, s3.client.listMultipartUploads(b -> b.bucket(bucket)).uploads().size(),
                "its unfinished multipart upload is left (aborted by a run a day later, or a lifecycle rule)");

        ChildJvm.Result next = ChildJvm.runExporter(120, env(), args.toArray(String[]::new));
        assertEquals(0, next.exitCode(), next.stderr());
        String id = JSON.readTree(next.stdout()).get("publish_id").asText();
        assertEquals(id, s3.json(bucket, "analytics.duckdb/manifest.json").get("publish_id").asText());
        assertTrue(next.stderr().contains("removed the work directory of an interrupted run"), next.stderr());
        assertEquals(List.of(), SnapshotAssertions.entries(work));
    }
}
