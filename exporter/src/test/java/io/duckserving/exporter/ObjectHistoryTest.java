package io.duckserving.exporter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.duckserving.testing.S3TestServer;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Generations of an {@code s3://} target: --keep over several publishes (the current one never
 * pruned, counting from the most recently current), rollback by rewriting manifest.json without an
 * upload, and refusals (unknown id, a generation whose object is gone), through the library API and
 * the CLI's history subcommand.
 */
class ObjectHistoryTest {

    @TempDir
    Path dir;

    @Test
    void keepRollbackAndPruneOnAnS3TargetNeverTouchTheCurrentGenerationAndUploadNothingToRollBack()
            throws Exception {
        Path lake = dir.resolve("lakehouse.duckdb");
        Lakehouse.create(lake, 100);
        Path work = Files.createDirectories(dir.resolve("work"));
        try (ObjectStoreFixture s3 = new ObjectStoreFixture(S3TestServer.start(dir.resolve("s3")))) {
            String bucket = s3.newBucket();
            String key = "serving/analytics.duckdb";
            URI uri = ObjectStoreFixture.uri(bucket, key);
            String gens = key + "/generations/";
            ExportRequest request = ExportRequest.builder().source(lake).handoff(Duration.ZERO).workDir(work)
                    .s3(s3.settings()).objectTargets(List.of(uri)).keep(2).build();
            Publications pubs = Publications.of(uri, s3.settings());

            String p1 = new Exporter().export(request).publishId();
            String p2 = new Exporter().export(request).publishId();
            ExportReport third = new Exporter().export(request);
            String p3 = third.publishId();
            assertEquals(List.of(p1), third.objectTargets().get(0).generationsPruned());
            assertFalse(s3.keys(bucket).stream().anyMatch(k -> k.contains(p1)), "p1 pruned whole: " + s3.keys(bucket));

            List<Generation> history = pubs.history();
            assertEquals(List.of(p2, p3), history.stream().map(Generation::publishId).toList());
            assertTrue(history.get(1).isCurrent());
            assertNotNull(history.get(0).notCurrentSince());
            assertEquals(URI.create("s3://" + bucket + "/" + gens + p3 + ".duckdb"), history.get(1).object());
            assertEquals(third.bytes(), history.get(1).bytes());
            assertEquals(third.totalRows(), history.get(1).totalRows());

            String p2ObjectEtag = s3.client.headObject(b -> b.bucket(bucket).key(gens + p2 + ".duckdb")).eTag();
            List<String> keysBefore = s3.keys(bucket);
            RollbackReport rollback = pubs.rollback();
            assertTrue(rollback.changed());
            assertEquals(p3, rollback.fromPublishId());
            assertEquals(p2, rollback.toPublishId());
            assertEquals(uri, rollback.objectTarget());
            JsonNode manifest = s3.json(bucket, key + "/manifest.json");
            assertEquals(p2, manifest.get("publish_id").asText());
            assertTrue(Instant.parse(manifest.get("rolled_back_at").asText()).isAfter(Instant.now().minusSeconds(60)));
            JsonNode generationJson = s3.json(bucket, gens + p2 + ".json");
            ((com.fasterxml.jackson.databind.node.ObjectNode) manifest).remove("rolled_back_at");
            assertEquals(generationJson, manifest, "the generation's JSON plus rolled_back_at");
            assertEquals(p2ObjectEtag, s3.client.headObject(b -> b.bucket(bucket).key(gens + p2 + ".duckdb")).eTag(),
                    "nothing uploaded");
            List<String> expectedKeys = new java.util.ArrayList<>(keysBefore);
            expectedKeys.remove(gens + p2 + ".retired");
            expectedKeys.add(gens + p3 + ".retired");
            assertEquals(expectedKeys.stream().sorted().toList(), s3.keys(bucket));

            // p2 is current again, p3 stopped being current after it: a publish keeps p2 (most recently current).
            ExportReport fourth = new Exporter().export(request);
            String p4 = fourth.publishId();
            assertEquals(List.of(p3), fourth.objectTargets().get(0).generationsPruned());
            assertEquals(List.of(p2, p4), pubs.history().stream().map(Generation::publishId).toList());

            ExportException unknown = assertThrows(ExportException.class, () -> pubs.rollback("20250101T000000Z-abcdef"));
            assertEquals(ExportException.Reason.INVALID_REQUEST, unknown.reason());
            assertTrue(unknown.getMessage().contains("no generation 20250101T000000Z-abcdef of " + uri + " is kept in s3://"
                    + bucket + "/" + gens + "; kept: [" + p2 + ", " + p4 + "]"), unknown.getMessage());

            s3.client.deleteObject(b -> b.bucket(bucket).key(gens + p2 + ".duckdb"));
            ExportException missing = assertThrows(ExportException.class, pubs::rollback);
            assertEquals(ExportException.Reason.FAILED, missing.reason());
            assertTrue(missing.getMessage().contains("its object s3://" + bucket + "/" + gens + p2 + ".duckdb is missing"),
                    missing.getMessage());
            assertEquals(p4, s3.json(bucket, key + "/manifest.json").get("publish_id").asText(), "manifest untouched");

            assertEquals(List.of(), pubs.prune(1, Duration.ofHours(1)).pruned(), "--keep-for: p2 stopped being "
                    + "current less than an hour ago");
            PruneReport prune = pubs.prune(1, Duration.ZERO);
            assertEquals(List.of(p2), prune.pruned());
            assertEquals(List.of(p4), prune.kept());
            assertEquals(List.of(gens + p4 + ".duckdb", gens + p4 + ".json", key + "/manifest.json"), s3.keys(bucket));

            CliRun cli = CliRun.of("history", "--target", uri.toString(), "--s3-endpoint", s3.server.endpoint().toString(),
                    "--s3-path-style", "--json");
            assertEquals(0, cli.exitCode(), cli.stderr());
            JsonNode listed = new ObjectMapper().readTree(cli.stdout());
            assertEquals(p4, listed.get("current").asText());
            assertEquals("s3://" + bucket + "/" + gens, listed.get("history_directory").asText());
            assertEquals("s3://" + bucket + "/" + gens + p4 + ".duckdb",
                    listed.get("generations").get(0).get("file").asText());
            assertNull(listed.get("generations").get(0).get("problem"));
        }
    }
}
