package io.duckserving.jdbc.replica;

import java.util.function.Supplier;

/**
 * How to reach the object store, as the exporter's {@code --s3-*} options: explicit values win
 * over what the AWS SDK finds in the environment. Plain data (no SDK types), part of a replica's
 * identity.
 *
 * @param endpoint an explicit endpoint URL, or null for the SDK's own handling
 *        ({@code AWS_ENDPOINT_URL_S3}, {@code AWS_ENDPOINT_URL}), else AWS
 * @param region an explicit region, or null for the SDK's region chain
 * @param pathStyle path-style requests ({@code http://host/bucket/key}), which most S3-compatible stores need
 */
public record S3Options(String endpoint, String region, boolean pathStyle) {
    /** Used when an endpoint is set (an S3-compatible store) and nothing names a region: SigV4 needs one. */
    public static final String FALLBACK_REGION = "us-east-1";

    public S3Options {
        endpoint = endpoint == null || endpoint.isBlank() ? null : endpoint.trim();
        region = region == null || region.isBlank() ? null : region.trim();
    }

    /** Whether any endpoint applies: the explicit one or the SDK's environment and system property settings. */
    public boolean endpointSet() {
        return endpoint != null || present(System.getenv("AWS_ENDPOINT_URL_S3")) || present(System.getenv("AWS_ENDPOINT_URL"))
                || present(System.getProperty("aws.endpointUrlS3")) || present(System.getProperty("aws.endpointUrl"));
    }

    /**
     * The region to sign with: the explicit one; else what the SDK's chain finds ({@code sdkChain}
     * returns null when it finds none); else {@value #FALLBACK_REGION} when an endpoint is set;
     * else an error that says how to name one.
     */
    public String resolveRegion(Supplier<String> sdkChain, boolean endpointSet) {
        if (region != null) {
            return region;
        }
        String found = sdkChain.get();
        if (found != null && !found.isBlank()) {
            return found;
        }
        if (endpointSet) {
            return FALLBACK_REGION;
        }
        throw new IllegalArgumentException("no AWS region is configured: set serving_s3_region, the AWS_REGION "
                + "environment variable or a profile's region (or serving_s3_endpoint for an S3-compatible store)");
    }

    private static boolean present(String s) {
        return s != null && !s.isBlank();
    }
}
