package io.duckserving.jdbc.replica;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.time.Duration;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.exception.ApiCallTimeoutException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.regions.providers.DefaultAwsRegionProviderChain;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
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
    /**
     * The whole manifest GET, retries included: a slow store never holds the poll longer. A download
     * gets this to start plus its size at {@link #MIN_BYTES_PER_SECOND}.
     */
    static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(20);
    /**
     * The slowest average a download may have (2 Mbit/s: 1 GB in about 70 minutes). The socket
     * timeout only fires when nothing arrives; this bounds a store that trickles bytes in.
     */
    static final long MIN_BYTES_PER_SECOND = 256 * 1024;
    /**
     * The deadline alone scales with the size the manifest claims (a 10 GB claim allows hours), so
     * each window of this length must also bring a quarter of {@link #MIN_BYTES_PER_SECOND}'s worth:
     * a trickle is cut off within about a window, whatever the size; a short stall is not.
     */
    static final Duration PROGRESS_WINDOW = Duration.ofSeconds(30);
    /** A manifest is a few hundred bytes: anything past this is not one, and is not read into memory. */
    static final int MAX_MANIFEST_BYTES = 1 << 20;

    private final S3Client s3;
    private final Duration requestTimeout;
    private final long minBytesPerSecond;
    private final Duration progressWindow;
    private final int maxManifestBytes;

    S3ObjectStore(S3Options options) {
        this(options, REQUEST_TIMEOUT, MIN_BYTES_PER_SECOND, PROGRESS_WINDOW, MAX_MANIFEST_BYTES);
    }

    /** With other limits than the defaults: for tests that must not wait 20 seconds for a hung store. */
    S3ObjectStore(S3Options options, Duration requestTimeout, long minBytesPerSecond, Duration progressWindow,
            int maxManifestBytes) {
        this.requestTimeout = requestTimeout;
        this.minBytesPerSecond = minBytesPerSecond;
        this.progressWindow = progressWindow;
        this.maxManifestBytes = maxManifestBytes;
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
                .overrideConfiguration(o -> o.apiCallTimeout(requestTimeout));
        if (ifNoneMatch != null) {
            request.ifNoneMatch(ifNoneMatch);
        }
        try {
            // Streamed and capped: a manifest is a few hundred bytes, and a hostile or broken store
            // must not make the poll thread hold a gigabyte in memory.
            return s3.getObject(request.build(), (response, in) -> {
                Long length = response.contentLength();
                if (length != null && length > maxManifestBytes) {
                    throw tooLarge(bucket, key, length + " bytes");
                }
                byte[] body = in.readNBytes(maxManifestBytes + 1);
                if (body.length > maxManifestBytes) {
                    throw tooLarge(bucket, key, "no length given, and more arrived");
                }
                return new Fetched(body, response.eTag());
            });
        } catch (S3Exception e) {
            if (e.statusCode() == 304) {
                return null;
            }
            throw failure(bucket, key, e);
        } catch (SdkException e) {
            IOException tooLarge = causeOf(e, ManifestTooLarge.class);
            if (tooLarge != null) {
                throw tooLarge;
            }
            throw failure(bucket, key, e);
        }
    }

    private IOException tooLarge(String bucket, String key, String size) {
        return new ManifestTooLarge("s3://" + bucket + "/" + key + " is larger than the " + maxManifestBytes
                + " bytes a manifest may have (" + size + "): not read. Check what wrote it; publishing again replaces it");
    }

    /** Thrown by the manifest reader, so it can be told from the client's own IOExceptions. */
    private static final class ManifestTooLarge extends IOException {
        ManifestTooLarge(String message) {
            super(message);
        }
    }

    @Override
    public void read(String bucket, String key, long expectedSize, ObjectReader reader) throws IOException {
        Duration deadline = downloadDeadline(expectedSize);
        IOException[] readerFailure = new IOException[1];
        try {
            // The reader runs inside the call, so the SDK's call timeout covers the whole body: when
            // it expires the SDK disconnects, which unblocks a read that a trickle keeps alive.
            s3.getObject(GetObjectRequest.builder().bucket(bucket).key(key)
                    .overrideConfiguration(o -> o.apiCallTimeout(deadline)).build(), (response, in) -> {
                        try {
                            reader.read(new ProgressCheckedStream(in, bucket, key));
                        } catch (IOException e) {
                            readerFailure[0] = e;
                            throw e;
                        }
                        return null;
                    });
        } catch (ApiCallTimeoutException e) {
            throw new IOException("s3://" + bucket + "/" + key + ": the store is too slow: " + expectedSize
                    + " bytes did not arrive within " + deadline.toMillis() + " ms (at least " + minBytesPerSecond
                    + " bytes/s after " + requestTimeout.toMillis() + " ms to start); abandoned, the poll retries", e);
        } catch (S3Exception e) {
            throw failure(bucket, key, e);
        } catch (SdkException e) {
            if (readerFailure[0] != null) {
                throw readerFailure[0];
            }
            throw failure(bucket, key, e);
        }
    }

    /** An object's stream that fails once a whole {@link #progressWindow} brought too few bytes. */
    private final class ProgressCheckedStream extends FilterInputStream {
        private final String object;
        private final long minBytesPerWindow = Math.max(1, minBytesPerSecond * progressWindow.toMillis() / 4000);
        private long windowStartNanos = System.nanoTime();
        private long bytesInWindow;

        ProgressCheckedStream(InputStream in, String bucket, String key) {
            super(in);
            this.object = "s3://" + bucket + "/" + key;
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            counted(b < 0 ? -1 : 1);
            return b;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            return counted(super.read(buffer, offset, length));
        }

        /** Reads return with every trickled byte, so the check needs no other thread (silence is the socket timeout's). */
        private int counted(int n) throws IOException {
            if (n > 0) {
                bytesInWindow += n;
            }
            long now = System.nanoTime();
            if (n >= 0 && now - windowStartNanos >= progressWindow.toNanos()) {
                if (bytesInWindow < minBytesPerWindow) {
                    throw new IOException(object + ": the store is too slow: " + bytesInWindow + " bytes in the last "
                            + progressWindow.toMillis() + " ms, less than " + minBytesPerWindow + "; abandoned, the poll retries");
                }
                windowStartNanos = now;
                bytesInWindow = 0;
            }
            return n;
        }
    }

    /** The time a download of {@code size} bytes may take: to start, plus the size at the minimum throughput. */
    Duration downloadDeadline(long size) {
        long transferMillis = size / minBytesPerSecond * 1000 + (size % minBytesPerSecond) * 1000 / minBytesPerSecond;
        return requestTimeout.plusMillis(transferMillis);
    }

    private static <T extends Throwable> T causeOf(Throwable e, Class<T> type) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (type.isInstance(t)) {
                return type.cast(t);
            }
        }
        return null;
    }

    /** An IOException whose message names the object, the HTTP status and S3's error code, or the client's cause. */
    private static IOException failure(String bucket, String key, SdkException e) {
        String what;
        if (e instanceof S3Exception s3e) {
            String code = s3e.awsErrorDetails() == null ? null : s3e.awsErrorDetails().errorCode();
            what = "HTTP " + s3e.statusCode() + (code == null ? "" : " " + code)
                    + (s3e.statusCode() == 403 ? " (check the credentials and their permissions)" : "")
                    + detail(s3e.awsErrorDetails() == null ? s3e.getMessage() : s3e.awsErrorDetails().errorMessage());
        } else {
            what = e.getMessage();
        }
        return new IOException("s3://" + bucket + "/" + key + ": " + what, e);
    }

    /** ": message", or nothing when the store sent none (a 404 without a body would read "null"). */
    private static String detail(String message) {
        return message == null || message.isBlank() || message.equals("null") ? "" : ": " + message;
    }

    @Override
    public void close() {
        s3.close();
    }
}
