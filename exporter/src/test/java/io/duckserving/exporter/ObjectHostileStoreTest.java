package io.duckserving.exporter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.duckserving.testing.S3TestServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An {@code s3://} target whose keys or content are odd or hostile, against a real S3-compatible
 * server: keys with spaces, '+', '%' and non-ASCII through listing, and what other writers left in
 * the target's objects (a manifest this exporter cannot read, a generation JSON that names an object
 * outside the target).
 */
class ObjectHostileStoreTest {

    static ObjectStoreFixture s3;

    @TempDir
    static Path serverDir;

    @TempDir
    Path dir;

    Path lake;
    Path work;
    String bucket;

    @BeforeAll
    static void startServer() throws Exception {
        s3 = new ObjectStoreFixture(S3TestServer.start(serverDir));
    }

    @AfterAll
    static void stopServer() throws Exception {
        s3.close();
    }

    @BeforeEach
    void createLakehouseAndBucket() throws Exception {
        lake = dir.resolve("lakehouse.duckdb");
        Lakehouse.create(lake, 10);
        work = Files.createDirectories(dir.resolve("work"));
        bucket = s3.newBucket();
    }

    private ObjectTarget target(String key) {
        return ObjectTarget.parse("s3://" + bucket + "/" + key);
    }

    private String publish(ObjectTarget target) throws ExportException {
        return new Exporter().export(ExportRequest.builder().source(lake).handoff(Duration.ZERO).workDir(work)
                .s3(s3.settings()).objectTargets(List.of(target.uri())).build())
                .publishId();
    }

    private Publications publications(ObjectTarget target) {
        return Publications.of(target.uri(), s3.settings());
    }

    @Test
    void aKeyWithSpacesPlusPercentAndUnicodeIsWrittenListedAndPrunedUnderThatVeryKey() throws Exception {
        ObjectTarget target = target("odd prefix+100%/ünï €.duckdb");
        String first = publish(target);
        String second = publish(target);

        assertTrue(s3.exists(bucket, "odd prefix+100%/ünï €.duckdb/manifest.json"), s3.keys(bucket).toString());
        assertEquals(second, s3.json(bucket, target.manifestKey()).get("publish_id").asText());
        List<Generation> history = publications(target).history();
        assertEquals(List.of(first, second), history.stream().map(Generation::publishId).toList());
        assertTrue(history.get(1).isCurrent());
        assertEquals(null, history.get(0).problem());

        PruneReport pruned = publications(target).prune(1, Duration.ZERO);
        assertEquals(List.of(first), pruned.pruned());
        assertFalse(s3.exists(bucket, target.fileKey(first)));
        assertTrue(s3.exists(bucket, target.fileKey(second)));
        assertTrue(s3.keys(bucket).stream().allMatch(k -> k.startsWith("odd prefix+100%/ünï €.duckdb/")),
                s3.keys(bucket).toString());
    }
}
