package io.duckserving.jdbc.replica;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * A store that misbehaves in ways S3Proxy cannot: a manifest far too large, an object that trickles
 * in. The replica refuses them with a clear error, in bounded time, and installs nothing.
 */
class HostileStoreTest extends FaultyStoreTestCase {
    private List<String> filesBesideServed() throws IOException {
        try (Stream<Path> files = Files.list(LOCATION.servedPath(dir).getParent())) {
            return files.map(p -> p.getFileName().toString()).filter(n -> n.contains("download")).collect(Collectors.toList());
        }
    }

    @Test
    void anObjectThatTricklesInIsAbandonedInsteadOfHoldingTheFirstConnectForever() throws Exception {
        http.on("/manifest.json", FaultyHttpStore.ok(manifest(10_000)))
                .on("/p1.duckdb", out -> {
                    out.write(FaultyHttpStore.headers(10_000));
                    for (int i = 0; i < 10_000; i++) { // one byte every 100 ms: never silent long enough for a socket timeout
                        out.write(0);
                        out.flush();
                        Thread.sleep(100);
                    }
                });
        // 1 s to start, then at least 256 KiB/s: the 10 kB object may take about 1 s, the trickle would take 1000.
        Replica replica = replica(new S3ObjectStore(new S3Options(http.endpoint(), null, true), Duration.ofSeconds(1),
                256 * 1024, Duration.ofSeconds(30), S3ObjectStore.MAX_MANIFEST_BYTES));
        try {
            IOException e = assertTimeoutPreemptively(Duration.ofSeconds(8),
                    () -> assertThrows(IOException.class, replica::installFirst));
            assertTrue(e.getMessage().contains("s3://lake/" + OBJECT_KEY) && e.getMessage().contains("too slow"), e.getMessage());
            assertEquals(List.of(), filesBesideServed(), "the abandoned download is removed");
            assertEquals(1, replica.getDownloadFailures());

            // The poll thread is usable again (no interrupt left behind): the next attempt gets as far as the store.
            http.on("/p1.duckdb", FaultyHttpStore.ok(new byte[10_000]));
            IOException corrupt = assertThrows(IOException.class, replica::installFirst);
            assertTrue(corrupt.getMessage().contains("SHA-256"), corrupt.getMessage());
        } finally {
            replica.close();
        }
    }

    @Test
    void aManifestOfMegabytesIsRefusedWithoutReadingIt() throws Exception {
        // Valid JSON once the padding is skipped: read whole, it would be accepted.
        byte[] json = manifest(10_000);
        byte[] huge = new byte[8 << 20];
        java.util.Arrays.fill(huge, (byte) ' ');
        System.arraycopy(json, 0, huge, huge.length - json.length, json.length);
        http.on("/manifest.json", FaultyHttpStore.ok(huge)).on("/p1.duckdb", FaultyHttpStore.ok(new byte[10_000]));
        Replica replica = replica(new S3ObjectStore(new S3Options(http.endpoint(), null, true)));
        try {
            IOException e = assertThrows(IOException.class, replica::installFirst);
            assertTrue(e.getMessage().contains("s3://lake/" + KEY + "/manifest.json") && e.getMessage().contains("1048576"),
                    e.getMessage());
            assertEquals(0, http.requests("/p1.duckdb"), "no object is fetched for it");
        } finally {
            replica.close();
        }
    }

    @Test
    void aManifestOfUnknownLengthIsReadNoFurtherThanTheCap() throws Exception {
        http.on("/manifest.json", out -> {
            // No Content-Length: the body ends when the connection closes, after 4 MiB of spaces here.
            out.write("HTTP/1.1 200 OK\r\nETag: \"faulty\"\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            byte[] spaces = new byte[1 << 16];
            java.util.Arrays.fill(spaces, (byte) ' ');
            for (int i = 0; i < 64; i++) {
                out.write(spaces);
            }
            out.write(manifest(10_000));
            out.flush();
        });
        Replica replica = replica(new S3ObjectStore(new S3Options(http.endpoint(), null, true)));
        try {
            IOException e = assertThrows(IOException.class, replica::installFirst);
            assertTrue(e.getMessage().contains("1048576") && e.getMessage().contains("no length given"), e.getMessage());
        } finally {
            replica.close();
        }
    }

    @Test
    void aBrokenManifestIsQuotedOnlyInPartInErrorsLogsAndMetrics() throws Exception {
        String padding = "x".repeat(500_000);
        for (String broken : List.of("{\"format\":1,\"junk\":\"" + padding + "\"}", "not json " + padding)) {
            http.on("/manifest.json", FaultyHttpStore.ok(broken.getBytes(StandardCharsets.UTF_8)));
            Replica replica = replica(new S3ObjectStore(new S3Options(http.endpoint(), null, true)));
            try {
                IOException e = assertThrows(IOException.class, replica::installFirst);
                assertTrue(e.getMessage().contains("s3://lake/" + KEY) && e.getMessage().length() < 2_000,
                        e.getMessage().length() + ": " + e.getMessage().substring(0, 300));
                assertTrue(replica.getLastFailure().length() < 2_000, "the MXBean's LastFailure too");
            } finally {
                replica.close();
            }
        }
    }

    @Test
    void anObjectThatDoesNotMatchItsManifestIsNotDownloadedAgainUntilTheManifestChanges() throws Exception {
        http.on("/manifest.json", FaultyHttpStore.ok(manifest(10_000))).on("/p1.duckdb", FaultyHttpStore.ok(new byte[10_000]));
        Replica replica = replica(new S3ObjectStore(new S3Options(http.endpoint(), null, true)));
        try {
            IOException e = assertThrows(IOException.class, replica::installFirst);
            assertTrue(e.getMessage().contains("SHA-256"), e.getMessage());
            replica.startPolling(20, 0);
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (replica.getPolls() < 5 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertTrue(replica.getPolls() >= 5, "" + replica.getPolls());
            assertEquals(1, http.requests("/p1.duckdb"), "the same 10 kB (or 10 GB) is not fetched on every poll");
            assertTrue(replica.getLastFailure().contains("SHA-256") && replica.getLastFailure().contains("not downloaded again"),
                    replica.getLastFailure());

            byte[] good = new byte[10_000];
            good[0] = 1;
            String sha = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(good));
            http.on("/p2.duckdb", FaultyHttpStore.ok(good)).on("/manifest.json", FaultyHttpStore.ok(new String(manifest(10_000),
                    StandardCharsets.UTF_8).replace("p1", "p2").replace("0".repeat(64), sha).getBytes(StandardCharsets.UTF_8)));
            while (!(replica.getPublishId().equals("p2") && replica.getLastFailure().isEmpty()) && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertEquals("p2", replica.getPublishId(), "the next publish is installed");
            assertEquals("", replica.getLastFailure());
        } finally {
            replica.close();
        }
    }

    @Test
    void aStatusWithoutABodyIsReportedWithoutNull() throws Exception {
        // FaultyHttpStore answers every unscripted path with a 404 and no body.
        Replica replica = replica(new S3ObjectStore(new S3Options(http.endpoint(), null, true)));
        try {
            IOException e = assertThrows(IOException.class, replica::installFirst);
            assertTrue(e.getMessage().contains("s3://lake/" + KEY + "/manifest.json: HTTP 404") && !e.getMessage().contains("null"),
                    e.getMessage());
        } finally {
            replica.close();
        }
    }

    @Test
    void aTrickleIsCutOffWithinAWindowHoweverLargeTheClaimedSize() throws Exception {
        long claimed = 100L << 20; // at 256 KiB/s, 400 seconds would be allowed
        http.on("/manifest.json", FaultyHttpStore.ok(manifest(claimed)))
                .on("/p1.duckdb", out -> {
                    out.write(FaultyHttpStore.headers(claimed));
                    for (int i = 0; i < 100_000; i++) { // 100 bytes/s: never silent, far too slow
                        out.write(0);
                        out.flush();
                        Thread.sleep(10);
                    }
                });
        Replica replica = replica(new S3ObjectStore(new S3Options(http.endpoint(), null, true), Duration.ofSeconds(1),
                256 * 1024, Duration.ofSeconds(1), S3ObjectStore.MAX_MANIFEST_BYTES));
        try {
            IOException e = assertTimeoutPreemptively(Duration.ofSeconds(8),
                    () -> assertThrows(IOException.class, replica::installFirst));
            assertTrue(e.getMessage().contains("s3://lake/" + OBJECT_KEY) && e.getMessage().contains("too slow"), e.getMessage());
            assertEquals(List.of(), filesBesideServed(), "the abandoned download is removed");
        } finally {
            replica.close();
        }
    }
}
