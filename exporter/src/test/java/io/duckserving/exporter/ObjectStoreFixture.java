package io.duckserving.exporter;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.duckserving.testing.S3TestServer;
import java.io.IOException;
import java.net.URI;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * The tests' side of a real S3TestServer: their own client (static credentials, path style), a
 * fresh bucket per test, and reads of the objects an export wrote. The exporter under test finds
 * its credentials the way users' do, through the SDK's default chain: here the system properties
 * {@code aws.accessKeyId} / {@code aws.secretAccessKey} of the test JVM.
 */
final class ObjectStoreFixture implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final AtomicInteger BUCKETS = new AtomicInteger();

    final S3TestServer server;
    final S3Client client;

    ObjectStoreFixture(S3TestServer server) {
        this.server = server;
        System.setProperty("aws.accessKeyId", S3TestServer.ACCESS_KEY);
        System.setProperty("aws.secretAccessKey", S3TestServer.SECRET_KEY);
        this.client = S3Client.builder().endpointOverride(server.endpoint()).region(Region.of(S3TestServer.REGION))
                .credentialsProvider(StaticCredentialsProvider.create(
                        AwsBasicCredentials.create(S3TestServer.ACCESS_KEY, S3TestServer.SECRET_KEY)))
                .forcePathStyle(true).httpClient(UrlConnectionHttpClient.create()).build();
    }

    /** The settings a user gives for this server: its endpoint and path style. */
    S3Settings settings() {
        return S3Settings.defaults().endpoint(server.endpoint()).pathStyle(true);
    }

    /** A new, empty bucket. */
    String newBucket() throws IOException {
        String bucket = "lake" + BUCKETS.incrementAndGet();
        server.createBucket(bucket);
        return bucket;
    }

    static URI uri(String bucket, String key) {
        return URI.create("s3://" + bucket + "/" + key);
    }

    byte[] get(String bucket, String key) {
        return client.getObjectAsBytes(b -> b.bucket(bucket).key(key)).asByteArray();
    }

    boolean exists(String bucket, String key) {
        try {
            client.headObject(b -> b.bucket(bucket).key(key));
            return true;
        } catch (NoSuchKeyException e) {
            return false;
        } catch (software.amazon.awssdk.services.s3.model.S3Exception e) {
            if (e.statusCode() == 404) {
                return false;
            }
            throw e;
        }
    }

    JsonNode json(String bucket, String key) throws IOException {
        return JSON.readTree(get(bucket, key));
    }

    /** Every key in the bucket, sorted. */
    List<String> keys(String bucket) {
        return client.listObjectsV2Paginator(b -> b.bucket(bucket)).contents().stream().map(S3Object::key).sorted()
                .toList();
    }

    static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    @Override
    public void close() throws Exception {
        client.close();
        server.close();
    }
}
