package io.duckserving.exporter;

import java.net.URI;
import java.util.Objects;

/**
 * How to reach object storage for {@code s3://} targets, the same settings as the driver's
 * {@code serving_s3_*} properties. Each explicit value wins over the AWS SDK's own chains:
 * <ul>
 * <li>endpoint ({@code --s3-endpoint}): else {@code AWS_ENDPOINT_URL_S3} / {@code AWS_ENDPOINT_URL}
 *     (read by the SDK itself), else AWS;</li>
 * <li>region ({@code --s3-region}): else the SDK's region chain ({@code AWS_REGION}, profile,
 *     instance metadata); if that finds none and an endpoint is set, {@code us-east-1};</li>
 * <li>path-style addressing ({@code --s3-path-style}), default off (virtual-hosted style); most
 *     self-hosted stores (MinIO, S3Proxy) need it on.</li>
 * </ul>
 * Credentials always come from the SDK's default chain (environment, system properties, profile,
 * container or instance role). Immutable.
 */
public final class S3Settings {

    private static final S3Settings DEFAULTS = new S3Settings(null, null, false);

    private final URI endpoint;
    private final String region;
    private final boolean pathStyle;

    private S3Settings(URI endpoint, String region, boolean pathStyle) {
        this.endpoint = endpoint;
        this.region = region;
        this.pathStyle = pathStyle;
    }

    /** Nothing explicit: the SDK's chains decide. */
    public static S3Settings defaults() {
        return DEFAULTS;
    }

    /** An S3-compatible store's URL, e.g. {@code http://minio:9000}; null = the SDK's chain. */
    public S3Settings endpoint(URI endpoint) {
        if (endpoint != null && (endpoint.getScheme() == null || endpoint.getHost() == null
                || !(endpoint.getScheme().equalsIgnoreCase("http") || endpoint.getScheme().equalsIgnoreCase("https")))) {
            throw new IllegalArgumentException("--s3-endpoint (endpoint) '" + redacted(String.valueOf(endpoint))
                    + "' is not an http(s) URL; give e.g. http://127.0.0.1:9000 or https://s3.eu-central-1.amazonaws.com");
        }
        if (endpoint != null && endpoint.getRawUserInfo() != null) {
            // Never sent (requests are signed with the SDK's credentials), but printed in every message.
            throw new IllegalArgumentException("--s3-endpoint (endpoint) '" + redacted(endpoint.toString())
                    + "' carries credentials (user:password@), which the S3 client does not use and messages would "
                    + "show; give the URL without them, and the credentials as AWS_ACCESS_KEY_ID and "
                    + "AWS_SECRET_ACCESS_KEY, AWS_PROFILE or an instance role");
        }
        return new S3Settings(endpoint, region, pathStyle);
    }

    /** An AWS region name, e.g. {@code eu-central-1}; null = the SDK's chain. */
    public S3Settings region(String region) {
        if (region != null && !region.matches("[a-z0-9][a-z0-9-]*")) {
            throw new IllegalArgumentException("--s3-region (region) '" + region + "' is not a region name; "
                    + "give e.g. us-east-1 or eu-central-1");
        }
        return new S3Settings(endpoint, region, pathStyle);
    }

    /** Path-style requests ({@code http://host/bucket/key}) instead of virtual-hosted ones. */
    public S3Settings pathStyle(boolean pathStyle) {
        return new S3Settings(endpoint, region, pathStyle);
    }

    public URI endpoint() {
        return endpoint;
    }

    public String region() {
        return region;
    }

    public boolean pathStyle() {
        return pathStyle;
    }

    /** The options set explicitly, as the CLI names them (to refuse them without an s3:// target). */
    String explicitOptions() {
        StringBuilder b = new StringBuilder();
        if (endpoint != null) {
            b.append("--s3-endpoint ");
        }
        if (region != null) {
            b.append("--s3-region ");
        }
        if (pathStyle) {
            b.append("--s3-path-style ");
        }
        return b.toString().strip();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof S3Settings s && Objects.equals(endpoint, s.endpoint) && Objects.equals(region, s.region)
                && pathStyle == s.pathStyle;
    }

    @Override
    public int hashCode() {
        return Objects.hash(endpoint, region, pathStyle);
    }

    /** A URL as text with whatever sits between {@code //} and {@code @} (user and password) hidden, for messages. */
    static String redacted(String url) {
        return url.replaceAll("//[^/?#]*@", "//***@");
    }

    @Override
    public String toString() {
        return "S3Settings[endpoint=" + endpoint + ", region=" + region + ", pathStyle=" + pathStyle + "]";
    }
}
