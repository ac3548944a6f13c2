package io.duckserving.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.duckserving.jdbc.replica.S3Location;
import io.duckserving.testing.S3TestServer;
import io.duckserving.testing.TestPublisher;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reader JVMs of one replica directory: killed mid-download, and two sharing it. */
class ReplicaProcessesIT {
    private static final String KEY = "prefix/analytics.duckdb";
    private static S3TestServer server;

    @TempDir
    static Path storeDirectory;
    @TempDir
    Path dir;

    @BeforeAll
    static void startStore() throws Exception {
        server = S3TestServer.start(storeDirectory);
    }

    @AfterAll
    static void stopStore() throws Exception {
        if (server != null) {
            server.close();
        }
    }

    private String url(String bucket, Path replicas) {
        return "jdbc:duckdb-serving:s3://" + bucket + "/" + KEY + ";serving_replica_dir=" + replicas
                + ";serving_s3_endpoint=" + server.endpoint() + ";serving_s3_path_style=true;serving_poll_interval_ms=100";
    }

    /** A reader JVM with the test class path and the store's credentials in its environment, as a host has them. */
    private final class Reader implements AutoCloseable {
        final Process process;
        final LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();
        final StringBuilder all = new StringBuilder();
        final Writer stdin;

        Reader(String bucket, Path replicas) throws Exception {
            String java = Paths.get(System.getProperty("java.home"), "bin", "java").toString();
            ProcessBuilder b = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                    ReplicaReaderProcess.class.getName(), url(bucket, replicas),
                    new S3Location(bucket, KEY).servedPath(replicas).toString()).redirectErrorStream(true);
            b.environment().putAll(server.awsEnvironment());
            process = b.start();
            stdin = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
            Thread pump = new Thread(() -> {
                try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(),
                        StandardCharsets.UTF_8))) {
                    for (String line = out.readLine(); line != null; line = out.readLine()) {
                        synchronized (all) {
                            all.append(line).append('\n');
                        }
                        lines.add(line);
                    }
                } catch (Exception ignored) {
                    // the process is gone
                }
            });
            pump.setDaemon(true);
            pump.start();
        }

        /** The next output line starting with {@code prefix}, skipping log lines. */
        String expect(String prefix) throws Exception {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
            while (System.nanoTime() - deadline < 0) {
                String line = lines.poll(100, TimeUnit.MILLISECONDS);
                if (line != null && line.startsWith(prefix)) {
                    return line;
                }
            }
            throw new AssertionError("no line starting with '" + prefix + "'; output:\n" + output());
        }

        void send(String command) throws Exception {
            stdin.write(command + "\n");
            stdin.flush();
        }

        String output() {
            synchronized (all) {
                return all.toString();
            }
        }

        @Override
        public void close() throws Exception {
            try {
                stdin.close();
            } catch (Exception ignored) {
                // already gone
            }
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
    }

    private static long downloads(String line) {
        return Long.parseLong(line.substring(line.indexOf("downloads=") + "downloads=".length()).trim());
    }

    private static List<Path> downloadsLeft(Path servedDir) throws Exception {
        if (!Files.isDirectory(servedDir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(servedDir)) {
            return files.filter(p -> p.getFileName().toString().startsWith(".analytics.duckdb.download-"))
                    .collect(Collectors.toList());
        }
    }

    @Test
    void aReaderKilledMidDownloadLeavesATempFileTheNextOneRemovesBeforeItCompletes() throws Exception {
        Path big = dir.resolve("big.duckdb");
        // Random doubles barely compress: some 150 MB, a download long enough to be caught in the middle.
        DuckDbFiles.write(big, "CREATE TABLE t AS SELECT i::INTEGER AS id, 1::INTEGER AS v, random() AS x, random() AS y "
                + "FROM range(9000000) r(i)", "CREATE TABLE meta AS SELECT 1::INTEGER AS version, 9000000::BIGINT AS row_count",
                "CHECKPOINT");
        long size = Files.size(big);
        assertTrue(size > 100_000_000L, "big enough to catch mid-download: " + size);
        try (TestPublisher publisher = new TestPublisher(server.endpoint(), "killed", KEY).createBucket()) {
            publisher.publish(big, "p1");
        }
        Path replicas = dir.resolve("replicas");
        Path servedDir = new S3Location("killed", KEY).servedPath(replicas).getParent();

        Reader first = new Reader("killed", replicas);
        Path partial;
        long partialSize;
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            Optional<Path> growing = Optional.empty();
            while (growing.isEmpty()) {
                assertTrue(System.nanoTime() - deadline < 0, "no download began: " + first.output());
                assertTrue(first.process.isAlive(), "the reader ended: " + first.output());
                growing = downloadsLeft(servedDir).stream().filter(p -> p.toFile().length() > 4_000_000L).findFirst();
                Thread.sleep(2);
            }
            first.process.destroyForcibly(); // kill -9, mid-download
            assertTrue(first.process.waitFor(30, TimeUnit.SECONDS));
            partial = growing.get();
            partialSize = Files.size(partial);
        } finally {
            first.close();
        }
        assertTrue(partialSize < size, "killed before the download ended: " + partialSize + " of " + size);
        System.out.println("ReplicaProcessesIT: killed the reader with " + partialSize + " of " + size + " bytes downloaded");
        assertFalse(Files.exists(servedDir.resolve("analytics.duckdb")), "nothing partial was installed");

        try (Reader next = new Reader("killed", replicas)) {
            String connected = next.expect("connected");
            assertEquals("connected version=1 downloads=1", connected, next.output());
            assertTrue(next.output().contains("Removed " + partial), "the leftover is removed: " + next.output());
        }
        assertEquals(List.of(), downloadsLeft(servedDir));
        assertEquals(size, Files.size(servedDir.resolve("analytics.duckdb")));
    }

    /** Two hosts: each JVM its own replica directory; every read is one whole snapshot (checked by each query). */
    @Test
    void twoHostsServeEachPublishAndARollback() throws Exception {
        try (TestPublisher publisher = new TestPublisher(server.endpoint(), "hosts", KEY).createBucket()) {
            Path v1 = dir.resolve("v1.duckdb");
            SnapshotFiles.write(v1, 1, SnapshotFiles.DEFAULT_ROWS);
            publisher.publish(v1, "p1");
            try (Reader a = new Reader("hosts", dir.resolve("host-a")); Reader b = new Reader("hosts", dir.resolve("host-b"))) {
                assertEquals("connected version=1 downloads=1", a.expect("connected"), a.output());
                assertEquals("connected version=1 downloads=1", b.expect("connected"), b.output());
                Path v2 = dir.resolve("v2.duckdb");
                SnapshotFiles.write(v2, 2, SnapshotFiles.DEFAULT_ROWS);
                publisher.publish(v2, "p2");
                a.send("wait 2");
                b.send("wait 2");
                assertEquals("seen 2 downloads=2", a.expect("seen"), a.output());
                assertEquals("seen 2 downloads=2", b.expect("seen"), b.output());
                publisher.rollbackTo("p1");
                a.send("wait 1");
                b.send("wait 1");
                assertEquals("seen 1 downloads=3", a.expect("seen"), a.output());
                assertEquals("seen 1 downloads=3", b.expect("seen"), b.output());
            }
        }
    }

    @Test
    void twoJvmsSharingAReplicaDirectoryDownloadEachGenerationOnce() throws Exception {
        Path replicas = dir.resolve("replicas");
        try (TestPublisher publisher = new TestPublisher(server.endpoint(), "shared", KEY).createBucket()) {
            Path v1 = dir.resolve("v1.duckdb");
            SnapshotFiles.write(v1, 1, SnapshotFiles.DEFAULT_ROWS);
            publisher.publish(v1, "p1");
            try (Reader a = new Reader("shared", replicas); Reader b = new Reader("shared", replicas)) {
                String ca = a.expect("connected");
                String cb = b.expect("connected");
                assertTrue(ca.startsWith("connected version=1") && cb.startsWith("connected version=1"), ca + " / " + cb);
                assertEquals(1, downloads(ca) + downloads(cb), "one of them downloaded p1: " + ca + " / " + cb);

                Path v2 = dir.resolve("v2.duckdb");
                SnapshotFiles.write(v2, 2, SnapshotFiles.DEFAULT_ROWS);
                publisher.publish(v2, "p2");
                a.send("wait 2");
                b.send("wait 2");
                String sa = a.expect("seen");
                String sb = b.expect("seen");
                assertTrue(sa.startsWith("seen 2") && sb.startsWith("seen 2"), sa + " / " + sb);
                assertEquals(2, downloads(sa) + downloads(sb), "p1 and p2 once each: " + sa + " / " + sb);
            }
        }
    }
    @Test
    void aHostRestartedWhileTheStoreIsDownServesItsReplicaFromBeforeAndFollowsOnceItIsBack() throws Exception {
        Path replicas = dir.resolve("replicas");
        try (TestPublisher publisher = new TestPublisher(server.endpoint(), "restarted", KEY).createBucket()) {
            Path v1 = dir.resolve("v1.duckdb");
            SnapshotFiles.write(v1, 1, SnapshotFiles.DEFAULT_ROWS);
            publisher.publish(v1, "p1");
            try (Reader before = new Reader("restarted", replicas)) {
                assertEquals("connected version=1 downloads=1", before.expect("connected"), before.output());
            }
            server.stop();
            try (Reader during = new Reader("restarted", replicas)) {
                // No store at all, yet the connect succeeds on the replica the previous JVM left.
                assertEquals("connected version=1 downloads=0", during.expect("connected"), during.output());
                server.restart();
                Path v2 = dir.resolve("v2.duckdb");
                SnapshotFiles.write(v2, 2, SnapshotFiles.DEFAULT_ROWS);
                publisher.publish(v2, "p2");
                during.send("wait 2");
                assertEquals("seen 2 downloads=1", during.expect("seen"), during.output());
            } finally {
                server.restart();
            }
        }
    }
}
