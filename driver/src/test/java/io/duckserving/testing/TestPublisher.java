package io.duckserving.testing;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Properties;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Publishes DuckDB files to an object-storage target the way the object storage contract says the
 * exporter does (the generation object and its JSON first, then {@code manifest.json}), with the
 * AWS SDK directly, so driver tests and examples need no exporter. It can also publish objects
 * that do not match their manifest (corrupt, truncated) and roll the manifest back.
 */
public final class TestPublisher implements AutoCloseable {
    /** What a published object may be made to look like. */
    public enum Tamper {
        /** The object as the manifest describes it. */
        NONE,
        /** One byte changed: the size matches, the SHA-256 does not. */
        CORRUPT,
        /** Only the first half uploaded: the size does not match. */
        TRUNCATED
    }

    private final S3Client s3;
    private final String bucket;
    private final String key;

    public TestPublisher(URI endpoint, String bucket, String key) {
        this.s3 = client(endpoint);
        this.bucket = bucket;
        this.key = key;
    }

    /** An SDK client for the test server (path style, its static credentials). */
    public static S3Client client(URI endpoint) {
        return S3Client.builder().endpointOverride(endpoint)
                .region(Region.of(S3TestServer.REGION))
                .credentialsProvider(StaticCredentialsProvider.create(
                        AwsBasicCredentials.create(S3TestServer.ACCESS_KEY, S3TestServer.SECRET_KEY)))
                .forcePathStyle(true)
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                .httpClient(UrlConnectionHttpClient.create())
                .build();
    }

    /** The target, {@code s3://bucket/key}. */
    public String target() {
        return "s3://" + bucket + "/" + key;
    }

    public S3Client s3() {
        return s3;
    }

    /** Creates the bucket (through the API, as a user would). */
    public TestPublisher createBucket() {
        s3.createBucket(b -> b.bucket(bucket));
        return this;
    }

    /** Publishes {@code file} as generation {@code publishId}: its object and JSON, then the manifest. Returns the JSON. */
    public String publish(Path file, String publishId) throws IOException {
        return publish(file, publishId, Tamper.NONE);
    }

    /** {@link #publish(Path, String)}, the uploaded object possibly not what the manifest describes. */
    public String publish(Path file, String publishId, Tamper tamper) throws IOException {
        byte[] whole = Files.readAllBytes(file);
        String objectKey = key + "/generations/" + publishId + ".duckdb";
        String json = "{\"format\":1,\"publish_id\":\"" + publishId + "\",\"object_key\":\"" + objectKey
                + "\",\"size\":" + whole.length + ",\"sha256\":\"" + sha256(whole) + "\",\"published_at\":\""
                + Instant.now() + "\",\"source\":\"test\",\"tables\":{}}";
        byte[] uploaded = whole;
        if (tamper == Tamper.CORRUPT) {
            uploaded = whole.clone();
            uploaded[uploaded.length / 2] ^= 0x5a;
        } else if (tamper == Tamper.TRUNCATED) {
            uploaded = Arrays.copyOf(whole, whole.length / 2);
        }
        byte[] body = uploaded;
        s3.putObject(b -> b.bucket(bucket).key(objectKey), tamper == Tamper.NONE ? RequestBody.fromFile(file)
                : RequestBody.fromBytes(body));
        s3.putObject(b -> b.bucket(bucket).key(key + "/generations/" + publishId + ".json"), RequestBody.fromString(json));
        putManifest(json);
        return json;
    }

    /** Makes generation {@code publishId} current again, as the exporter's rollback does: no upload. */
    public void rollbackTo(String publishId) {
        String json = s3.getObjectAsBytes(b -> b.bucket(bucket).key(key + "/generations/" + publishId + ".json"))
                .asUtf8String();
        putManifest(json.substring(0, json.lastIndexOf('}')) + ",\"rolled_back_at\":\"" + Instant.now() + "\"}");
    }

    /** Replaces {@code manifest.json} with {@code json} as given (valid or not). */
    public void putManifest(String json) {
        s3.putObject(b -> b.bucket(bucket).key(key + "/manifest.json").contentType("application/json"),
                RequestBody.fromBytes(json.getBytes(StandardCharsets.UTF_8)));
    }

    /**
     * Writes a small DuckDB file at {@code file} (which must not exist) with DuckDB's own driver:
     * {@code t(id, v)} holding {@code rows} rows of {@code version}, and {@code meta(version)}.
     */
    public static void writeDuckDbFile(Path file, int version, int rows) throws SQLException {
        Properties p = new Properties();
        p.setProperty("jdbc_instance_cache", "false");
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:" + file, p); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE t AS SELECT i::INTEGER AS id, " + version + "::INTEGER AS v FROM range(" + rows + ") r(i)");
            s.execute("CREATE TABLE meta AS SELECT " + version + "::INTEGER AS version");
            s.execute("CHECKPOINT");
        }
    }

    public static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        s3.close();
    }
}
