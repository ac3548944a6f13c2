package io.duckserving.jdbc.replica;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.time.Duration;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.core.ResponseBytes;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.regions.providers.DefaultAwsRegionProviderChain;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * {@link ObjectStore} over the AWS SDK's synchronous S3 client: the only class of the driver that
 * touches SDK types. Loaded only for {@code s3://} URLs, after {@link Replicas} checked that the SDK
 * is on the class path.
 */
final class S3ObjectStore implements ObjectStore {
    /** A store that does not accept a connection within this is as good as down. */
    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
    /** A store that sends nothing for this long (mid-download too) has hung; the poll retries later. */
    static final Duration SOCKET_TIMEOUT = Duration.ofSeconds(30);
    /** The whole manifest GET, retries included: a slow store never holds the poll longer. */
    static final Duration MANIFEST_CALL_TIMEOUT = Duration.ofSeconds(20);

    private final S3Client s3;

    S3ObjectStore(S3Options options) {
        S3ClientBuilder builder = S3Client.builder()
                .httpClient(UrlConnectionHttpClient.builder()
                        .connectionTimeout(CONNECT_TIMEOUT)
                        .socketTimeout(SOCKET_TIMEOUT)
                        .build())
                .credentialsProvider(DefaultCredentialsProvider.builder().build())
                // Many S3-compatible stores reject the SDK's default trailing checksums; the replica checks SHA-256 itself.
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                .forcePathStyle(options.pathStyle())
                .region(Region.of(options.resolveRegion(S3ObjectStore::sdkRegion, options.endpointSet())));
        if (options.endpoint() != null) {
            builder.endpointOverride(URI.create(options.endpoint()));
        }
        this.s3 = builder.build();
    }

    /** What the SDK's region chain finds (environment, system property, profile, instance metadata), or null. */
    private static String sdkRegion() {
        try {
            Region r = DefaultAwsRegionProviderChain.builder().build().getRegion();
            return r == null ? null : r.id();
        } catch (SdkException | IllegalStateException e) {
            return null;
        }
    }

    @Override
    public Fetched getIfChanged(String bucket, String key, String ifNoneMatch) throws IOException {
        GetObjectRequest.Builder request = GetObjectRequest.builder().bucket(bucket).key(key)
                .overrideConfiguration(o -> o.apiCallTimeout(MANIFEST_CALL_TIMEOUT));
        if (ifNoneMatch != null) {
            request.ifNoneMatch(ifNoneMatch);
        }
        try {
            ResponseBytes<GetObjectResponse> bytes = s3.getObjectAsBytes(request.build());
            return new Fetched(bytes.asByteArray(), bytes.response().eTag());
        } catch (S3Exception e) {
            if (e.statusCode() == 304) {
                return null;
            }
            throw failure(bucket, key, e);
        } catch (SdkException e) {
            throw failure(bucket, key, e);
        }
    }

    @Override
    public InputStream open(String bucket, String key) throws IOException {
        try {
            ResponseInputStream<GetObjectResponse> in = s3.getObject(GetObjectRequest.builder().bucket(bucket).key(key).build());
            return new InputStream() {
                private boolean ended;

                @Override
                public int read() throws IOException {
                    int b = guard(in::read);
                    ended |= b < 0;
                    return b;
                }

                @Override
                public int read(byte[] buffer, int offset, int length) throws IOException {
                    int n = guard(() -> in.read(buffer, offset, length));
                    ended |= n < 0;
                    return n;
                }

                private int guard(IoRead read) throws IOException {
                    try {
                        return read.read();
                    } catch (SdkException e) {
                        throw failure(bucket, key, e);
                    }
                }

                @Override
                public void close() throws IOException {
                    if (!ended) {
                        in.abort(); // do not read the rest of a large object just to reuse the connection
                    }
                    in.close();
                }
            };
        } catch (S3Exception e) {
            throw failure(bucket, key, e);
        } catch (SdkException e) {
            throw failure(bucket, key, e);
        }
    }

    private interface IoRead {
        int read() throws IOException;
    }

    /** An IOException whose message names the object, the HTTP status and S3's error code, or the client's cause. */
    private static IOException failure(String bucket, String key, SdkException e) {
        String what;
        if (e instanceof S3Exception s3e) {
            String code = s3e.awsErrorDetails() == null ? null : s3e.awsErrorDetails().errorCode();
            what = "HTTP " + s3e.statusCode() + (code == null ? "" : " " + code)
                    + (s3e.statusCode() == 403 ? " (check the credentials and their permissions)" : "")
                    + ": " + (s3e.awsErrorDetails() == null ? s3e.getMessage() : s3e.awsErrorDetails().errorMessage());
        } else {
            what = e.getMessage();
        }
        return new IOException("s3://" + bucket + "/" + key + ": " + what, e);
    }

    @Override
    public void close() {
        s3.close();
    }
}
