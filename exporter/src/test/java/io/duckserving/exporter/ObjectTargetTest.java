package io.duckserving.exporter;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * Publishing to {@code s3://} targets through the library API, against a real S3-compatible server
 * (S3Proxy as a child process) with real DuckDB files: the object layout and manifest of the
 * contract, multipart uploads, a local and an object target in one run, the conditional manifest
 * write against a second publisher, and an unreachable store.
 */
class ObjectTargetTest extends ObjectStoreTestCase {

    private ExportRequest.Builder request(String key) {
        return ExportRequest.builder().source(lake).handoff(Duration.ZERO).workDir(work).s3(s3.settings())
                .objectTargets(List.of(ObjectStoreFixture.uri(bucket, key)));
    }

    @Test
    void publishToAnS3TargetWritesTheLayoutAndAManifestOfTheObjectAndRemovesTheWorkDirectory() throws Exception {
        List<String> lines = Collections.synchronizedList(new ArrayList<>());
        ExportReport report = new Exporter().export(request("serving/analytics.duckdb").progress(lines::add).build());

        String id = report.publishId();
        String prefix = "serving/analytics.duckdb/";
        assertEquals(List.of(prefix + "generations/" + id + ".duckdb", prefix + "generations/" + id + ".json",
                prefix + "manifest.json"), s3.keys(bucket));
        byte[] object = s3.get(bucket, prefix + "generations/" + id + ".duckdb");
        JsonNode manifest = s3.json(bucket, prefix + "manifest.json");
        assertEquals(1, manifest.get("format").asInt());
        assertEquals(id, manifest.get("publish_id").asText());
        assertEquals(prefix + "generations/" + id + ".duckdb", manifest.get("object_key").asText());
        assertEquals(object.length, manifest.get("size").asLong());
        assertEquals(ObjectStoreFixture.sha256(object), manifest.get("sha256").asText());
        assertEquals(report.publishedAt().toString(), manifest.get("published_at").asText());
        assertEquals(lake.toString(), manifest.get("source").asText());
        assertEquals(100, manifest.get("tables").get("serving.events").asLong());
        assertEquals(report.tables().size(), manifest.get("tables").size());
        assertEquals(manifest, s3.json(bucket, prefix + "generations/" + id + ".json"), "the generation's own JSON");

        assertNull(report.target(), "no local target");
        ObjectPublish published = report.objectTargets().get(0);
        assertTrue(published.current());
        assertFalse(published.madeCurrentAt().isBefore(report.publishedAt()), "made current after the snapshot was taken");
        assertEquals(object.length, published.bytes());
        assertEquals(manifest.get("sha256").asText(), published.sha256());
        assertEquals(List.of(), SnapshotAssertions.entries(work), "the work directory's subdirectory is removed");

        Path copy = dir.resolve("copy.duckdb");
        Files.write(copy, object);
        try (Connection c = Lakehouse.open(copy, true)) {
            assertEquals(List.of(List.of(id)), Lakehouse.rows(c, "SELECT publish_id FROM serving_meta.publish"));
        }
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("published s3://" + bucket + "/serving/analytics.duckdb ("
                + id + ")")), lines.toString());
    }

    @Test
    void localAndS3TargetsInOneRunPublishTheSameFileAlsoInMultipartUploads() throws Exception {
        Lakehouse.create(lake = dir.resolve("big.duckdb"), 100_000);
        Path target = dir.resolve("analytics.duckdb");
        List<String> lines = Collections.synchronizedList(new ArrayList<>());
        ExportReport report = new Exporter().export(ExportRequest.builder().source(lake).target(target)
                .handoff(Duration.ZERO).s3(s3.settings()).s3PartSize(ObjectStore.MIN_PART_SIZE)
                .objectTargets(List.of(ObjectStoreFixture.uri(bucket, "analytics.duckdb"))).progress(lines::add)
                .build());

        byte[] local = Files.readAllBytes(target);
        assertTrue(local.length > ObjectStore.MIN_PART_SIZE, "two parts or more: " + local.length);
        byte[] object = s3.get(bucket, "analytics.duckdb/generations/" + report.publishId() + ".duckdb");
        assertArrayEquals(local, object, "the object is the very file published locally");
        assertEquals(report.publishId(), s3.json(bucket, "analytics.duckdb/manifest.json").get("publish_id").asText());
        assertEquals(ObjectStoreFixture.sha256(local), report.objectTargets().get(0).sha256());
        assertEquals(target, report.target());
        assertNotNull(report.generationKept(), "the local target keeps its history");
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("uploaded part 2 of ")), lines.toString());
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("published " + target + " and s3://")), lines.toString());
    }

    @Test
    void aSecondPublisherBetweenUploadAndManifestMakesTheFirstFailWithTheManifestLeftAsTheSecondWroteIt()
            throws Exception {
        String key = "analytics.duckdb";
        String[] second = new String[1];
        Consumer<String> secondPublisherAfterOurUpload = line -> {
            if (line.startsWith("uploaded s3://") && second[0] == null) {
                second[0] = "running";
                try {
                    second[0] = new Exporter().export(request(key).build()).publishId();
                } catch (ExportException e) {
                    throw new AssertionError(e);
                }
            }
        };
        ExportException e = assertThrows(ExportException.class,
                () -> new Exporter().export(request(key).progress(secondPublisherAfterOurUpload).build()));

        assertEquals(ExportException.Reason.OBJECT_TARGET_CHANGED, e.reason(), e.getMessage());
        assertEquals(7, e.reason().exitCode());
        assertTrue(e.getMessage().contains("another publisher or rollback changed s3://" + bucket + "/" + key
                + "/manifest.json meanwhile") && e.getMessage().contains("run again"), e.getMessage());
        assertEquals(second[0], s3.json(bucket, key + "/manifest.json").get("publish_id").asText(),
                "manifest.json is the second publisher's");
        String ours = e.report().publishId();
        assertFalse(ours.equals(second[0]));
        assertFalse(e.report().objectTargets().get(0).current());
        assertNull(e.report().objectTargets().get(0).madeCurrentAt());
        assertTrue(s3.exists(bucket, key + "/generations/" + ours + ".duckdb"),
                "our generation stays, not current (a later prune removes it)");
        assertEquals(List.of(), SnapshotAssertions.entries(work));
    }

    @Test
    void storeDownLeavesTheManifestAsItWasAndALocalTargetPublishedWithAReportThatSaysSo() throws Exception {
        String key = "analytics.duckdb";
        String before = new Exporter().export(request(key).build()).publishId();
        Path target = dir.resolve("analytics.duckdb");
        s3.server.stop();
        try {
            ExportException e = assertThrows(ExportException.class, () -> new Exporter().export(request(key)
                    .workDir(null).target(target).build()));
            assertEquals(ExportException.Reason.PUBLISHED_LOCALLY_ONLY, e.reason(), e.getMessage());
            assertEquals(6, e.reason().exitCode());
            assertTrue(e.getMessage().startsWith("published " + e.report().publishId() + " to " + target
                    + " (readers there see it), but cannot read s3://" + bucket + "/" + key + "/manifest.json: the "
                    + "object store is unreachable"), e.getMessage());
            assertEquals(target, e.report().target());
            assertFalse(e.report().objectTargets().get(0).current());
            try (Connection c = Lakehouse.open(target, true)) {
                assertEquals(List.of(List.of(e.report().publishId())),
                        Lakehouse.rows(c, "SELECT publish_id FROM serving_meta.publish"));
            }
            PrintStream savedOut = System.out;
            PrintStream savedErr = System.err;
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            int exit;
            try {
                System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
                System.setErr(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
                exit = ExportCommand.run("--source", lake.toString(), "--target", target.toString(), "--target",
                        "s3://" + bucket + "/" + key, "--s3-endpoint", s3.server.endpoint().toString(), "--s3-path-style",
                        "--handoff", "0", "--json");
            } finally {
                System.setOut(savedOut);
                System.setErr(savedErr);
            }
            assertEquals(6, exit);
            JsonNode json = new ObjectMapper().readTree(out.toString(StandardCharsets.UTF_8));
            assertEquals("PUBLISHED_LOCALLY_ONLY", json.get("reason").asText());
            assertEquals(target.toString(), json.get("report").get("target").asText());
            JsonNode object = json.get("report").get("object_targets").get(0);
            assertFalse(object.get("current").asBoolean());
            assertTrue(object.get("error").asText().contains("unreachable"), object.toString());
        } finally {
            s3.server.restart();
        }
        assertEquals(before, s3.json(bucket, key + "/manifest.json").get("publish_id").asText());
    }

    @Test
    void storeDownDuringTheUploadFailsNamingTheObjectAndChangesNoManifest() throws Exception {
        String key = "analytics.duckdb";
        String before = new Exporter().export(request(key).build()).publishId();
        Consumer<String> stopAtUpload = line -> {
            if (line.startsWith("uploading ")) {
                try {
                    s3.server.stop();
                } catch (InterruptedException ex) {
                    throw new AssertionError(ex);
                }
            }
        };
        try {
            ExportException e = assertThrows(ExportException.class,
                    () -> new Exporter().export(request(key).progress(stopAtUpload).build()));
            assertEquals(ExportException.Reason.FAILED, e.reason(), e.getMessage());
            assertTrue(e.getMessage().contains("s3://" + bucket + "/" + key + "/generations/")
                    && e.getMessage().contains("unreachable"), e.getMessage());
            assertNull(e.report().target());
            assertEquals(List.of(), SnapshotAssertions.entries(work), "the work directory is removed on failure too");
        } finally {
            s3.server.restart();
        }
        assertEquals(before, s3.json(bucket, key + "/manifest.json").get("publish_id").asText());
    }

    @Test
    void unfinishedMultipartUploadsOfKilledPublishersAreAbortedOnceStale() throws Exception {
        String key = "analytics.duckdb/generations/20250101T000000Z-abcdef.duckdb";
        s3.client.createMultipartUpload(b -> b.bucket(bucket).key(key));
        s3.client.createMultipartUpload(b -> b.bucket(bucket).key("elsewhere.duckdb"));
        ObjectStore store = new ObjectStore(s3.client, ObjectTarget.parse("s3://" + bucket + "/analytics.duckdb"));
        List<String> lines = new ArrayList<>();

        assertEquals(List.of(), store.abortStaleUploads(java.time.Instant.now().minus(ObjectExport.STALE_UPLOAD),
                lines::add), "one started just now may be a live publisher's");
        assertEquals(List.of(key), store.abortStaleUploads(java.time.Instant.now().plusSeconds(1), lines::add));
        assertEquals(List.of("elsewhere.duckdb"), s3.client.listMultipartUploads(b -> b.bucket(bucket)).uploads()
                .stream().map(u -> u.key()).toList(), "only under KEY/generations/");
    }

    @Test
    void wrongCredentialsAreAccessDeniedNamingTheTargetAndWhatToCheck() throws Exception {
        String saved = System.getProperty("aws.secretAccessKey");
        System.setProperty("aws.secretAccessKey", "not-the-secret");
        try {
            ExportException e = assertThrows(ExportException.class,
                    () -> new Exporter().export(request("analytics.duckdb").build()));
            assertEquals(ExportException.Reason.FAILED, e.reason());
            assertTrue(e.getMessage().startsWith("cannot read s3://" + bucket + "/analytics.duckdb/manifest.json: "
                    + "access denied (") && e.getMessage().contains("check the credentials"), e.getMessage());
        } finally {
            System.setProperty("aws.secretAccessKey", saved);
        }
        assertEquals(List.of(), s3.keys(bucket));
        assertEquals(List.of(), SnapshotAssertions.entries(work));
    }

    @Test
    void aMissingBucketIsNamedWithWhatToDo() throws Exception {
        ExportException e = assertThrows(ExportException.class, () -> new Exporter().export(ExportRequest.builder()
                .source(lake).handoff(Duration.ZERO).workDir(work).s3(s3.settings())
                .objectTargets(List.of(ObjectStoreFixture.uri("no-such-bucket", "analytics.duckdb"))).build()));
        assertEquals(ExportException.Reason.FAILED, e.reason());
        assertTrue(e.getMessage().contains("bucket 'no-such-bucket' does not exist; create it"), e.getMessage());
    }
}
