package io.duckserving.jdbc.replica;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the tests of a misbehaving store share: a {@link FaultyHttpStore} per test, the one source
 * it serves, a manifest of any claimed size, and replicas of that source in a directory of the test.
 */
abstract class FaultyStoreTestCase {
    static final String KEY = "prefix/analytics.duckdb";
    static final S3Location LOCATION = new S3Location("lake", KEY);
    static final String OBJECT_KEY = KEY + "/generations/p1.duckdb";

    @TempDir
    Path dir;
    FaultyHttpStore http;

    @BeforeAll
    static void credentials() {
        System.setProperty("aws.accessKeyId", "hostile-test");
        System.setProperty("aws.secretAccessKey", "hostile-test-secret");
    }

    @BeforeEach
    void startStore() throws IOException {
        http = new FaultyHttpStore();
    }

    @AfterEach
    void stopStore() throws IOException {
        http.close();
    }

    /** A manifest for generation p1 that claims {@code size} bytes (and a SHA-256 no object has). */
    static byte[] manifest(long size) {
        return ("{\"format\":1,\"publish_id\":\"p1\",\"object_key\":\"" + OBJECT_KEY + "\",\"size\":" + size
                + ",\"sha256\":\"" + "0".repeat(64) + "\",\"published_at\":\"2026-12-01T18:00:00Z\"}")
                .getBytes(StandardCharsets.UTF_8);
    }

    /** A replica of the source in this test's directory, through {@code store}, without handoff. */
    Replica replica(S3ObjectStore store) throws IOException {
        return new Replica(LOCATION, new S3Options(http.endpoint(), null, true), dir, store, 100, 0);
    }

    /** {@link #replica(S3ObjectStore)} through a plain store of the test server. */
    Replica replica() throws IOException {
        return replica(new S3ObjectStore(new S3Options(http.endpoint(), null, true)));
    }
}
