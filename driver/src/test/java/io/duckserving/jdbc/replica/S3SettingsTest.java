package io.duckserving.jdbc.replica;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The client settings of the contract, where they are decided by our code rather than the SDK's. */
class S3SettingsTest {
    @Test
    void anExplicitRegionWinsOverTheSdkChainAndTheFallback() {
        S3Options explicit = new S3Options("http://store:9000", "eu-central-1", true);
        assertEquals("eu-central-1", explicit.resolveRegion(() -> "us-west-2", true));
    }

    @Test
    void withoutAnExplicitRegionTheSdkChainDecides() {
        assertEquals("us-west-2", new S3Options(null, " ", false).resolveRegion(() -> "us-west-2", false));
    }

    @Test
    void anEndpointWithNoRegionAnywhereSignsForUsEast1() {
        assertEquals("us-east-1", new S3Options("http://store:9000", null, true).resolveRegion(() -> null, true));
    }

    @Test
    void noRegionAndNoEndpointIsAClearError() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new S3Options(null, null, false).resolveRegion(() -> null, false));
        assertTrue(e.getMessage().contains("serving_s3_region") && e.getMessage().contains("AWS_REGION"), e.getMessage());
    }

    @Test
    void anExplicitEndpointCountsAsAnEndpoint() {
        assertTrue(new S3Options("http://store:9000", null, false).endpointSet());
    }

    @Test
    void theServedFileIsBucketThenKeyUnderTheReplicaDirectory() {
        S3Location l = S3Location.parse("s3://lake/prefix/analytics.duckdb");
        assertEquals(Path.of("/var/lib/r/lake/prefix/analytics.duckdb"), l.servedPath(Path.of("/var/lib/r")));
        assertEquals("prefix/analytics.duckdb/manifest.json", l.manifestKey());
    }
}
