package io.duckserving.exporter;

import java.time.Duration;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.regions.providers.DefaultAwsRegionProviderChain;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;

/** The one place the exporter builds its S3 client, with the settings of the object-storage contract. */
final class S3Clients {

    /** Region for an S3-compatible store when nothing names one: most ignore it, SigV4 needs one. */
    static final String COMPATIBLE_STORE_REGION = "us-east-1";
    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
    /** Per read of the socket: a part upload of 16 MiB answers well within it on any working link. */
    static final Duration SOCKET_TIMEOUT = Duration.ofSeconds(120);

    private S3Clients() {
    }

    static S3Client build(S3Settings settings) throws ExportException {
        S3ClientBuilder builder = S3Client.builder()
                .httpClient(UrlConnectionHttpClient.builder().connectionTimeout(CONNECT_TIMEOUT)
                        .socketTimeout(SOCKET_TIMEOUT).build())
                .credentialsProvider(DefaultCredentialsProvider.builder().build())
                // Many S3-compatible stores reject the SDK's default trailing checksums; the manifest
                // carries our own SHA-256 of the whole object, which readers verify.
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                .forcePathStyle(settings.pathStyle());
        if (settings.endpoint() != null) {
            builder.endpointOverride(settings.endpoint());
        }
        builder.region(region(settings));
        try {
            return builder.build();
        } catch (SdkClientException | IllegalArgumentException e) {
            throw new ExportException(ExportException.Reason.INVALID_REQUEST, "cannot set up the S3 client ("
                    + settings + "): " + e.getMessage() + "; check --s3-endpoint, --s3-region and AWS_* settings", e);
        }
    }

    private static Region region(S3Settings settings) throws ExportException {
        if (settings.region() != null) {
            return Region.of(settings.region());
        }
        Region region = ChainRegion.REGION;
        if (region != null) {
            return region;
        }
        if (settings.endpoint() != null || endpointFromEnvironment()) {
            return Region.of(COMPATIBLE_STORE_REGION);
        }
        throw new ExportException(ExportException.Reason.INVALID_REQUEST, "no AWS region is configured for the "
                + "s3:// target (" + ChainRegion.PROBLEM + "): pass --s3-region (e.g. eu-central-1), or set AWS_REGION "
                + "or a profile's region");
    }

    /**
     * The SDK's region chain, asked once per JVM: off EC2 its last step waits for the instance
     * metadata service to fail (most of a second), which a library that publishes every few
     * minutes would otherwise pay for every publish. The environment and the host do not change
     * meanwhile.
     */
    private static final class ChainRegion {
        static final Region REGION;
        static final String PROBLEM;

        static {
            Region region = null;
            String problem = null;
            try {
                region = new DefaultAwsRegionProviderChain().getRegion();
            } catch (SdkClientException | IllegalStateException e) {
                problem = "the AWS SDK's region chain found none";
            }
            REGION = region;
            PROBLEM = problem;
        }
    }

    private static boolean endpointFromEnvironment() {
        for (String name : new String[] {"AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"}) {
            String value = System.getenv(name);
            if (value != null && !value.isBlank()) {
                return true;
            }
        }
        for (String name : new String[] {"aws.endpointUrlS3", "aws.endpointUrl"}) {
            String value = System.getProperty(name);
            if (value != null && !value.isBlank()) {
                return true;
            }
        }
        return false;
    }
}
