package io.duckserving.exporter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * A store that answers too slowly to ever trip the HTTP client's socket timeout (a byte every
 * 100 ms), one that never reads an upload's body, and one that serves a huge manifest: each request
 * is abandoned within its own deadline, and nothing huge is read into memory; and what AWS answers
 * a client set for the wrong region. A raw socket server, since no real store misbehaves on demand.
 */
class ObjectSlowStoreTest {

    @TempDir
    Path dir;

    private final List<Socket> sockets = new ArrayList<>();
    private ServerSocket server;

    @AfterEach
    void stop() throws IOException {
        if (server != null) {
            server.close();
        }
        synchronized (sockets) {
            for (Socket s : sockets) {
                s.close();
            }
        }
    }

    /** What the fake store does with each request, after reading its head. */
    private interface Behaviour {
        void answer(InputStream in, OutputStream out) throws IOException, InterruptedException;
    }

    private URI serve(Behaviour behaviour) throws IOException {
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread accept = new Thread(() -> {
            while (!server.isClosed()) {
                try {
                    Socket s = server.accept();
                    synchronized (sockets) {
                        sockets.add(s);
                    }
                    Thread t = new Thread(() -> {
                        try (s) {
                            InputStream in = s.getInputStream();
                            readHead(in);
                            behaviour.answer(in, s.getOutputStream());
                        } catch (IOException | InterruptedException e) {
                            // the client gave up: what the tests want
                        }
                    });
                    t.setDaemon(true);
                    t.start();
                } catch (IOException e) {
                    return;
                }
            }
        });
        accept.setDaemon(true);
        accept.start();
        return URI.create("http://127.0.0.1:" + server.getLocalPort());
    }

    private static void readHead(InputStream in) throws IOException {
        int matched = 0;
        byte[] end = "\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        while (matched < end.length) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("closed");
            }
            matched = b == end[matched] ? matched + 1 : (b == end[0] ? 1 : 0);
        }
    }

    private static void trickle(OutputStream out, long contentLength) throws IOException, InterruptedException {
        out.write(("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nETag: \"e\"\r\nContent-Length: "
                + contentLength + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
        for (long i = 0; i < contentLength; i++) {
            out.write(' ');
            out.flush();
            Thread.sleep(100);
        }
    }

    private static ObjectStore store(URI endpoint, Duration requestTimeout, long minBytesPerSecond) {
        S3Client client = S3Client.builder().endpointOverride(endpoint).region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDEXAMPLE", "x")))
                .forcePathStyle(true).httpClient(UrlConnectionHttpClient.builder()
                        .socketTimeout(S3Clients.SOCKET_TIMEOUT).build()).build();
        return new ObjectStore(client, ObjectTarget.parse("s3://lake/analytics.duckdb"), requestTimeout,
                minBytesPerSecond, 1024);
    }

    @Test
    void aManifestTrickledByteByByteIsAbandonedAtTheRequestDeadline() throws Exception {
        ObjectStore store = store(serve((in, out) -> trickle(out, 500)), Duration.ofSeconds(1), 1 << 30);
        ExportException e = assertTimeoutPreemptively(Duration.ofSeconds(15),
                () -> assertThrows(ExportException.class, store::readManifest));
        assertTrue(e.getMessage().startsWith("cannot read s3://lake/analytics.duckdb/manifest.json: the object store "
                + "is too slow or hung"), e.getMessage());
    }

    @Test
    void anUploadWhoseBodyTheStoreNeverReadsIsAbandonedAtItsDeadline() throws Exception {
        Path file = dir.resolve("snapshot.duckdb");
        Files.write(file, new byte[32 << 20]);
        ObjectStore store = store(serve((in, out) -> Thread.sleep(60_000)), Duration.ofSeconds(1), 64L << 20);
        ExportException e = assertTimeoutPreemptively(Duration.ofSeconds(15), () -> assertThrows(ExportException.class,
                () -> store.uploadFile(file, "20261201T000000Z-abcdef", 64L << 20, line -> { })));
        assertTrue(e.getMessage().contains("s3://lake/analytics.duckdb/generations/20261201T000000Z-abcdef.duckdb")
                && e.getMessage().contains("too slow or hung"), e.getMessage());
    }

    @Test
    void aHugeManifestIsRefusedWithoutReadingIt() throws Exception {
        ObjectStore store = store(serve((in, out) -> {
            out.write("HTTP/1.1 200 OK\r\nContent-Length: 5000000000\r\n\r\n{".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            Thread.sleep(60_000);
        }), Duration.ofSeconds(10), 1 << 30);
        ExportException e = assertTimeoutPreemptively(Duration.ofSeconds(15),
                () -> assertThrows(ExportException.class, store::readManifest));
        assertEquals(ExportException.Reason.FAILED, e.reason());
        assertTrue(e.getMessage().startsWith("s3://lake/analytics.duckdb/manifest.json is larger than the 1024 bytes "
                + "it may have (5000000000 bytes): not read"), e.getMessage());
    }

    /** What AWS answers a client configured for another region than the bucket's. */
    @Test
    void aBucketInAnotherRegionIsNamedWithTheRegionToPass() throws Exception {
        String body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>PermanentRedirect</Code><Message>The "
                + "bucket you are attempting to access must be addressed using the specified endpoint.</Message>"
                + "<Bucket>lake</Bucket></Error>";
        ObjectStore store = store(serve((in, out) -> {
            out.write(("HTTP/1.1 301 Moved Permanently\r\nx-amz-bucket-region: eu-central-1\r\nContent-Type: "
                    + "application/xml\r\nContent-Length: " + body.length() + "\r\nConnection: close\r\n\r\n" + body)
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
        }), Duration.ofSeconds(10), 1 << 30);
        ExportException e = assertThrows(ExportException.class, store::readManifest);
        assertTrue(e.getMessage().startsWith("cannot read s3://lake/analytics.duckdb/manifest.json: bucket 'lake' is "
                + "in another region than the client's (the store says eu-central-1; PermanentRedirect); pass "
                + "--s3-region eu-central-1 or set AWS_REGION"), e.getMessage());
    }
}
