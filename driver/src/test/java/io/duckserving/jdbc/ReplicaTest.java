package io.duckserving.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.duckserving.jdbc.replica.ReplicaMXBean;
import io.duckserving.jdbc.replica.Replicas;
import io.duckserving.jdbc.replica.S3Location;
import io.duckserving.testing.S3TestServer;
import io.duckserving.testing.TestPublisher;
import java.lang.management.ManagementFactory;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.management.JMX;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code jdbc:duckdb-serving:s3://...} against a real S3-compatible server (S3Proxy, real SigV4
 * requests through the AWS SDK): a local replica follows publishes and rollbacks, survives
 * outages and bad objects without errors, and says how stale it is.
 */
class ReplicaTest {
    private static final String KEY = "prefix/analytics.duckdb";
    private static final Duration CATCH_UP = Duration.ofSeconds(15);
    private static S3TestServer server;

    @TempDir
    static Path storeDirectory;
    @TempDir
    Path dir;

    @BeforeAll
    static void startStore() throws Exception {
        // The driver takes credentials from the AWS SDK's default chain: here, its system properties.
        System.setProperty("aws.accessKeyId", S3TestServer.ACCESS_KEY);
        System.setProperty("aws.secretAccessKey", S3TestServer.SECRET_KEY);
        server = S3TestServer.start(storeDirectory);
    }

    @AfterAll
    static void stopStore() throws Exception {
        if (server != null) {
            server.close();
        }
    }

    @AfterEach
    void storeRunsAgain() throws Exception {
        server.restart(); // a failed outage test must not take the next tests' store with it
    }

    private String url(String bucket, Path replicaDir, String... options) {
        return url(server.endpoint().toString(), bucket, replicaDir, options);
    }

    private static String url(String endpoint, String bucket, Path replicaDir, String... options) {
        StringBuilder url = new StringBuilder("jdbc:duckdb-serving:s3://").append(bucket).append('/').append(KEY)
                .append(";serving_replica_dir=").append(replicaDir)
                .append(";serving_s3_endpoint=").append(endpoint)
                .append(";serving_s3_path_style=true;serving_poll_interval_ms=100");
        for (String option : options) {
            url.append(';').append(option);
        }
        return url.toString();
    }

    /** A fresh DuckDB file holding {@code version}, to publish. */
    private Path generation(int version) throws Exception {
        Path file = dir.resolve("v" + version + "-" + UUID.randomUUID() + ".duckdb");
        SnapshotFiles.write(file, version, SnapshotFiles.DEFAULT_ROWS);
        return file;
    }

    private static ReplicaMXBean metrics(String bucket, Path replicaDir) throws Exception {
        return JMX.newMXBeanProxy(ManagementFactory.getPlatformMBeanServer(),
                Replicas.nameOf(new S3Location(bucket, KEY), replicaDir.toAbsolutePath().normalize()), ReplicaMXBean.class);
    }

    private static List<String> filesBesideServed(String bucket, Path replicaDir) throws Exception {
        Path served = new S3Location(bucket, KEY).servedPath(replicaDir);
        try (Stream<Path> files = Files.list(served.getParent())) {
            return files.map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList());
        }
    }

    private static int versionOrMinus(Connection c) {
        try {
            return SnapshotFiles.readVersion(c);
        } catch (SQLException e) {
            return -1;
        }
    }

    @Test
    void servesEachPublishWithinThePollIntervalAndARollbackToo() throws Exception {
        Path replicas = dir.resolve("replicas");
        try (TestPublisher publisher = new TestPublisher(server.endpoint(), "follow", KEY).createBucket()) {
            publisher.publish(generation(1), "p1");
            try (Connection c = DriverManager.getConnection(url("follow", replicas))) {
                assertEquals(1, SnapshotFiles.readVersion(c), "the first download happens during connect");
                long published = System.nanoTime();
                publisher.publish(generation(2), "p2");
                Poll.until(CATCH_UP, "the new generation is served", () -> SnapshotFiles.readVersion(c) == 2);
                long lagMillis = (System.nanoTime() - published) / 1_000_000;
                publisher.rollbackTo("p1");
                Poll.until(CATCH_UP, "the rollback is served", () -> SnapshotFiles.readVersion(c) == 1);

                ReplicaMXBean m = metrics("follow", replicas);
                assertEquals("s3://follow/" + KEY, m.getSource());
                // A handed-off generation is served at its rename, a moment before the state says so.
                Poll.until(CATCH_UP, "the state names the rollback", () -> "p1".equals(m.getPublishId()));
                assertEquals(3, m.getDownloads(), "p1, p2, then p1 again for the rollback");
                assertEquals(0, m.getDownloadFailures());
                assertTrue(m.getPolls() >= 3 && m.getBytesDownloaded() > 0 && m.getLastDownloadMillis() >= 0, "" + m.getPolls());
                assertTrue(m.getStalenessMillis() >= 0 && m.getStalenessMillis() < 5_000, "" + m.getStalenessMillis());
                assertTrue(m.getLastPublishToReplicaMillis() >= 0, "" + m.getLastPublishToReplicaMillis());
                assertEquals("", m.getLastFailure());
                assertTrue(!m.getPublishedAt().isEmpty() && !m.getLastSuccessfulPoll().isEmpty());
                Poll.until(CATCH_UP, "only the current file, its lock and its state are left",
                        () -> List.of(".analytics.duckdb.lock", ".analytics.duckdb.replica.json", "analytics.duckdb")
                                .equals(filesBesideServed("follow", replicas)));
                ServingHealth health = ServingHealth.of(url("follow", replicas));
                assertEquals(new S3Location("follow", KEY).servedPath(replicas), health.path());
                assertTrue(health.isServing(), health.toString());
                System.out.println("ReplicaTest: publish-to-served " + lagMillis + " ms (poll 100 ms)");
            }
        }
    }

    @Test
    void aNewGenerationIsOpenedUnderItsHandoffNameBeforeTheRenameAndInstalledWithoutAnotherOpen() throws Exception {
        Path replicas = dir.resolve("replicas");
        Path servedDir = new S3Location("handoff", KEY).servedPath(replicas).getParent();
        try (TestPublisher publisher = new TestPublisher(server.endpoint(), "handoff", KEY).createBucket()) {
            publisher.publish(generation(1), "p1");
            // A handoff far longer than any connect: the first download is installed without one.
            Path firstReplicas = dir.resolve("first");
            long connecting = System.nanoTime();
            try (Connection first = DriverManager.getConnection(url("handoff", firstReplicas,
                    "serving_replica_handoff_ms=120000"))) {
                assertEquals(1, SnapshotFiles.readVersion(first));
                assertTrue(System.nanoTime() - connecting < Duration.ofSeconds(60).toNanos(),
                        "no handoff on the first download: nobody reads yet");
            }
            Replicas.closeUnused(); // it would hand off the next publish for two minutes
            try (Connection c = DriverManager.getConnection(url("handoff", replicas, "serving_replica_handoff_ms=2000"))) {
                assertEquals(1, SnapshotFiles.readVersion(c));
                long opensBefore = ServingDriver.snapshotsOpened();
                publisher.publish(generation(2), "p2");
                boolean openedDuringHandoff = false;
                long deadline = System.nanoTime() + CATCH_UP.toNanos();
                int version;
                while ((version = SnapshotFiles.readVersion(c)) != 2) {
                    assertTrue(System.nanoTime() - deadline < 0, "the new generation is served in time");
                    if (handoffs(servedDir) > 0 && ServingDriver.snapshotsOpened() > opensBefore) {
                        openedDuringHandoff = true;
                        assertEquals(1, version, "the handed-off generation is not served before its rename");
                    }
                    Thread.onSpinWait();
                }
                assertTrue(openedDuringHandoff, "the driver opened the handed-off generation before the rename");
                assertEquals(opensBefore + 1, ServingDriver.snapshotsOpened(),
                        "one open for the new generation: the handoff's, none at the rename");
                Poll.until(CATCH_UP, "the handoff name is removed", () -> handoffs(servedDir) == 0);
            }
        }
    }

    @Test
    void aReplicaClosedDuringAHandoffInstallsNothingAndLeavesFileAndStateAsTheyWere() throws Exception {
        Path replicas = dir.resolve("replicas");
        Path served = new S3Location("closing", KEY).servedPath(replicas);
        try (TestPublisher publisher = new TestPublisher(server.endpoint(), "closing", KEY).createBucket()) {
            publisher.publish(generation(1), "p1");
            try (Connection c = DriverManager.getConnection(url("closing", replicas, "serving_replica_handoff_ms=60000"))) {
                assertEquals(1, SnapshotFiles.readVersion(c));
            }
            String before = TestPublisher.sha256(Files.readAllBytes(served));
            publisher.publish(generation(2), "p2");
            Poll.until(CATCH_UP, "the next generation is handed off", () -> handoffs(served.getParent()) > 0);
            Replicas.closeUnused(); // what a JVM shutting down does to its replicas: the poll thread is interrupted
            assertEquals(before, TestPublisher.sha256(Files.readAllBytes(served)), "the served file is as it was");
            String state = Files.readString(served.resolveSibling(".analytics.duckdb.replica.json"));
            assertTrue(state.contains("\"p1\""), "the state still names what is served: " + state);
            assertEquals(List.of(".analytics.duckdb.lock", ".analytics.duckdb.replica.json", "analytics.duckdb"),
                    filesBesideServed("closing", replicas), "neither the handoff link nor the download is left");
        }
    }

    private static long handoffs(Path dir) throws java.io.IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.getFileName().toString().endsWith(".handoff")).count();
        }
    }

    @Test
    void anOutageKeepsReadersServingUntilTheStalenessBoundAndTheyCatchUpAfter() throws Exception {
        Path replicas = dir.resolve("replicas");
        try (TestPublisher publisher = new TestPublisher(server.endpoint(), "outage", KEY).createBucket()) {
            publisher.publish(generation(1), "p1");
            try (Connection lenient = DriverManager.getConnection(url("outage", replicas));
                    Connection bounded = DriverManager.getConnection(url("outage", replicas,
                            "serving_max_staleness_ms=1500"))) {
                ReplicaMXBean m = metrics("outage", replicas);
                server.stop();
                assertEquals(1, SnapshotFiles.readVersion(bounded), "within the bound nothing changes for readers");
                Poll.until(CATCH_UP, "a poll fails", () -> m.getPollFailures() > 0);
                assertTrue(m.getLastFailure().contains("outage"), m.getLastFailure());
                Poll.until(CATCH_UP, "stale past the bound", () -> m.getStalenessMillis() > 1600);
                SQLNonTransientConnectionException e = assertThrows(SQLNonTransientConnectionException.class,
                        () -> SnapshotFiles.readVersion(bounded));
                assertEquals("08006", e.getSQLState());
                assertTrue(e.getMessage().contains("s3://outage/" + KEY) && e.getMessage().contains("serving_max_staleness_ms")
                        && e.getMessage().contains("last failure"), e.getMessage());
                assertEquals(1, SnapshotFiles.readVersion(lenient), "no bound: the last replica, no error");
                long before = m.getStalenessMillis();
                Poll.until(CATCH_UP, "staleness grows", () -> m.getStalenessMillis() > before);

                server.restart();
                publisher.publish(generation(2), "p2");
                Poll.until(CATCH_UP, "both catch up", () -> versionOrMinus(lenient) == 2 && versionOrMinus(bounded) == 2);
                assertTrue(m.getStalenessMillis() < 1500, "" + m.getStalenessMillis());
                assertEquals("", m.getLastFailure());
            }
        }
    }

    @Test
    void corruptAndTruncatedObjectsAreNeverInstalledAndTheNextGoodOneIs() throws Exception {
        Path replicas = dir.resolve("replicas");
        try (TestPublisher publisher = new TestPublisher(server.endpoint(), "bad", KEY).createBucket()) {
            publisher.publish(generation(1), "p1");
            try (Connection c = DriverManager.getConnection(url("bad", replicas))) {
                ReplicaMXBean m = metrics("bad", replicas);
                Path served = new S3Location("bad", KEY).servedPath(replicas);
                String good = TestPublisher.sha256(Files.readAllBytes(served));

                publisher.publish(generation(2), "p2", TestPublisher.Tamper.CORRUPT);
                Poll.until(CATCH_UP, "the corrupt object is refused", () -> m.getLastFailure().contains("SHA-256"));
                assertTrue(m.getLastFailure().contains("s3://bad/" + KEY + "/generations/p2.duckdb"), m.getLastFailure());
                assertEquals(1, SnapshotFiles.readVersion(c));
                assertEquals(good, TestPublisher.sha256(Files.readAllBytes(served)), "the served file is untouched");

                publisher.publish(generation(3), "p3", TestPublisher.Tamper.TRUNCATED);
                Poll.until(CATCH_UP, "the truncated object is refused", () -> m.getLastFailure().contains("truncated"));
                assertEquals(1, SnapshotFiles.readVersion(c));
                assertEquals("p1", m.getPublishId());
                assertTrue(m.getDownloadFailures() >= 2, "" + m.getDownloadFailures());
                assertEquals(good, TestPublisher.sha256(Files.readAllBytes(served)));

                publisher.publish(generation(4), "p4");
                Poll.until(CATCH_UP, "the next good generation is served", () -> SnapshotFiles.readVersion(c) == 4);
                Poll.until(CATCH_UP, "no refused download is left behind, nor the handoff",
                        () -> List.of(".analytics.duckdb.lock", ".analytics.duckdb.replica.json", "analytics.duckdb")
                                .equals(filesBesideServed("bad", replicas)));
            }
        }
    }

    @Test
    void connectWithNoReplicaFailsWith08001NamingBucketKeyAndCause() throws Exception {
        Path replicas = dir.resolve("replicas");
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        SQLException down = assertThrows(SQLException.class, () -> DriverManager.getConnection(
                url("http://127.0.0.1:" + closedPort, "down", replicas)));
        assertEquals("08001", down.getSQLState());
        assertTrue(down.getMessage().contains("bucket down") && down.getMessage().contains("key " + KEY), down.getMessage());

        SQLException noBucket = assertThrows(SQLException.class, () -> DriverManager.getConnection(url("nobucket", replicas)));
        assertEquals("08001", noBucket.getSQLState());
        assertTrue(noBucket.getMessage().contains("bucket nobucket") && noBucket.getMessage().contains("404"),
                noBucket.getMessage());

        try (TestPublisher publisher = new TestPublisher(server.endpoint(), "unpublished", KEY).createBucket()) {
            SQLException noManifest = assertThrows(SQLException.class,
                    () -> DriverManager.getConnection(url("unpublished", replicas)));
            assertEquals("08001", noManifest.getSQLState());
            assertTrue(noManifest.getMessage().contains(KEY + "/manifest.json") && noManifest.getMessage().contains("404"),
                    noManifest.getMessage());

            publisher.putManifest("{\"format\":2,\"publish_id\":\"x\"}");
            SQLException newer = assertThrows(SQLException.class,
                    () -> DriverManager.getConnection(url("unpublished", replicas)));
            assertTrue(newer.getMessage().contains("newer exporter") && newer.getMessage().contains("upgrade the driver"),
                    newer.getMessage());

            // A manifest naming an object outside the target's generations (here another target's generation,
            // whose size and checksum it gives correctly) is refused, not downloaded and served as this target.
            try (TestPublisher other = new TestPublisher(server.endpoint(), "unpublished", "other/analytics.duckdb")) {
                other.publish(generation(7), "o7");
                String json = new String(other.s3().getObjectAsBytes(b -> b.bucket("unpublished")
                        .key("other/analytics.duckdb/generations/o7.json")).asByteArray(), StandardCharsets.UTF_8);
                publisher.putManifest(json);
            }
            SQLException elsewhere = assertThrows(SQLException.class,
                    () -> DriverManager.getConnection(url("unpublished", replicas)));
            assertEquals("08001", elsewhere.getSQLState());
            assertTrue(elsewhere.getMessage().contains("other/analytics.duckdb/generations/o7.duckdb")
                    && elsewhere.getMessage().contains("not a generation of this target"), elsewhere.getMessage());
        }
    }

    @Test
    void aJvmThatStartsDuringAnOutageServesTheReplicaFromBeforeAndKnowsItsAge() throws Exception {
        Path replicas = dir.resolve("replicas");
        try (TestPublisher publisher = new TestPublisher(server.endpoint(), "restart", KEY).createBucket()) {
            publisher.publish(generation(1), "p1");
            try (Connection c = DriverManager.getConnection(url("restart", replicas))) {
                assertEquals(1, SnapshotFiles.readVersion(c));
            }
            Replicas.closeUnused(); // what a JVM that exits leaves: the files only
            server.stop();
            long stoppedAt = System.nanoTime();
            try (Connection c = DriverManager.getConnection(url("restart", replicas))) {
                assertEquals(1, SnapshotFiles.readVersion(c), "the replica from before, no error");
                ReplicaMXBean m = metrics("restart", replicas);
                assertEquals("p1", m.getPublishId());
                long sinceStop = (System.nanoTime() - stoppedAt) / 1_000_000;
                assertTrue(m.getStalenessMillis() >= sinceStop, "the staleness counts from before this JVM's replica: "
                        + m.getStalenessMillis() + " ms, stopped " + sinceStop + " ms ago");
            }
            server.restart();
        }
    }

    @Test
    void replicaPropertiesOnALocalPathAreRefusedWith22023() throws Exception {
        Path target = dir.resolve("analytics.duckdb");
        SnapshotFiles.publish(target, 1);
        for (String option : List.of("serving_replica_dir=/tmp/x", "serving_s3_endpoint=http://localhost:9000",
                "serving_s3_region=eu-west-1", "serving_s3_path_style=true", "serving_poll_interval_ms=500")) {
            SQLException e = assertThrows(SQLException.class,
                    () -> DriverManager.getConnection(SnapshotFiles.url(target, option)));
            assertEquals("22023", e.getSQLState(), option);
            assertTrue(e.getMessage().contains(option.substring(0, option.indexOf('='))) && e.getMessage().contains("s3://"),
                    e.getMessage());
        }
    }

    @Test
    void badS3UrlsAreRefusedWith08001SayingWhatIsWrong() {
        for (String bad : List.of("s3://bucket-only", "s3://b/", "s3://lake/a/../../etc/passwd", "s3://lake//x")) {
            SQLException e = assertThrows(SQLException.class,
                    () -> DriverManager.getConnection("jdbc:duckdb-serving:" + bad));
            assertEquals("08001", e.getSQLState(), bad);
            assertTrue(e.getMessage().contains(bad), e.getMessage());
        }
    }
}
