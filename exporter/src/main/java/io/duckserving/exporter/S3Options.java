package io.duckserving.exporter;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * How to reach object storage, for publishing and for the subcommands alike: each option wins
 * over the AWS SDK's own chain (see {@link S3Settings}).
 */
final class S3Options {

    @Option(names = "--s3-endpoint", paramLabel = "URL",
            description = "Endpoint of an S3-compatible store for s3:// targets, e.g. http://minio:9000. Default: "
                    + "AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL if set, else AWS.")
    String endpoint;

    @Option(names = "--s3-region", paramLabel = "REGION",
            description = "Region for s3:// targets. Default: the AWS SDK's chain (AWS_REGION, profile, instance); "
                    + "us-east-1 if it finds none and an endpoint is set.")
    String region;

    @Option(names = "--s3-path-style", description = "Path-style requests (http://host/bucket/key), which most "
            + "self-hosted stores need. Default: virtual-hosted style.")
    boolean pathStyle;

    S3Settings settings() {
        return S3Settings.defaults().endpoint(endpointUri()).region(region).pathStyle(pathStyle);
    }

    /** Converted here, not by picocli, whose message would quote the value with any password in it. */
    private URI endpointUri() {
        if (endpoint == null) {
            return null;
        }
        try {
            return new URI(endpoint.strip());
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("--s3-endpoint '" + S3Settings.redacted(endpoint) + "' is not a URL ("
                    + e.getReason() + "); give e.g. http://127.0.0.1:9000 or https://s3.eu-central-1.amazonaws.com");
        }
    }

    /** The publications of a local or s3:// target; s3 options with a local one are refused. */
    Publications publications(String target) {
        if (ObjectTarget.isObjectUri(target)) {
            return Publications.of(ObjectTarget.parse(target).uri(), settings());
        }
        String options = settings().explicitOptions();
        if (!options.isEmpty()) {
            throw new IllegalArgumentException(options + (options.contains(" ") ? " only apply" : " only applies")
                    + " to s3:// targets, and --target " + target + " is a local file; leave " + options + " out");
        }
        return Publications.of(Path.of(target));
    }
}

