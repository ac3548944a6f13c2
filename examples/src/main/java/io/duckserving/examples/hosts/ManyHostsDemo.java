package io.duckserving.examples.hosts;

import io.duckserving.examples.Durations;
import io.duckserving.examples.TempFiles;
import io.duckserving.testing.S3TestServer;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Many hosts on one machine: a publisher exports a lakehouse to a local target and to an
 * S3-compatible object store (S3Proxy, started here as a child process) after every pipeline
 * run, and two reader nodes, JVMs of their own with a replica directory each, read
 * {@code jdbc:duckdb-serving:s3://...} back to back. It measures how soon every node serves each
 * publish, takes the store down for a while, rolls the last publish back, and compares the
 * nodes' download speed with a local copy of the same file.
 */
@Command(name = "many-hosts", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"A publisher exports to a local file and to an S3-compatible store; two reader JVMs with",
                "their own replica directories follow s3:// and report how soon they serve every publish."})
public final class ManyHostsDemo implements Callable<Integer> {
    static final String BUCKET = "lakehouse";
    static final String KEY = "prod/analytics.duckdb";
    static final String NODE_NAMES = "host-a,host-b";

    /** The knobs of one run. */
    public record Settings(int publishes, Duration pollInterval, Duration replicaHandoff, int rows, Duration outage,
            Path directory) {
        public Settings {
            if (publishes < 2) {
                throw new IllegalArgumentException("--publishes must be at least 2 (one is rolled back), got " + publishes);
            }
            if (pollInterval.toMillis() < 1) {
                throw new IllegalArgumentException("--poll-interval must be at least 1 ms, got " + pollInterval);
            }
            if (replicaHandoff.isNegative()) {
                throw new IllegalArgumentException("--replica-handoff must be 0 or more, got " + replicaHandoff);
            }
            if (rows < 1) {
                throw new IllegalArgumentException("--rows must be at least 1, got " + rows);
            }
            if (outage.isNegative()) {
                throw new IllegalArgumentException("--outage must be 0 or more, got " + outage);
            }
        }
    }

    /** Everything measured. */
    public record Result(List<NodeLags> nodes, long snapshotBytes, double downloadMegabytesPerSecond,
            double localCopyMegabytesPerSecond, long outageMillis, List<String> problems) {

        public boolean ok() {
            return problems.isEmpty() && nodes.stream().allMatch(NodeLags::ok);
        }

        public String describe() {
            StringBuilder s = new StringBuilder();
            s.append(String.format(Locale.ROOT, "%-8s %9s %11s %9s %13s %9s %7s %5s %10s %6s%n", "node", "publishes",
                    "lag median", "lag max", "rollback lag", "queries", "errors", "torn", "downloads", "opens"));
            for (NodeLags n : nodes) {
                s.append(String.format(Locale.ROOT, "%-8s %5d/%-3d %8d ms %6d ms %10d ms %9d %7d %5d %10d %6d%n",
                        n.node(), n.lagsMillis().size(), n.lagsMillis().size() + n.publishesMissed(), n.median(),
                        n.max(), n.rollbackLagMillis(), n.count("queries"), n.count("errors"), n.count("torn"),
                        n.count("downloads"), n.count("opens")));
            }
            s.append(String.format(Locale.ROOT,
                    "snapshot %.1f MB: download %.0f MB/s on the nodes, local copy %.0f MB/s (ratio %.2f)%n",
                    snapshotBytes / 1e6, downloadMegabytesPerSecond, localCopyMegabytesPerSecond,
                    downloadMegabytesPerSecond / localCopyMegabytesPerSecond));
            if (outageMillis > 0) {
                s.append("object store down for ").append(outageMillis).append(" ms in the middle: the nodes kept serving\n");
            }
            for (String p : problems) {
                s.append("PROBLEM: ").append(p).append('\n');
            }
            s.append(ok() ? "OK: every node served every publish and the rollback, every query succeeded on a whole snapshot\n"
                    : "NOT OK\n");
            return s.toString();
        }
    }

    @Option(names = "--publishes", defaultValue = "8", description = "Publishes after the first (default: ${DEFAULT-VALUE}).")
    private int publishes;

    @Option(names = "--poll-interval", defaultValue = "500ms", converter = Durations.class,
            description = "The nodes' serving_poll_interval_ms (default: ${DEFAULT-VALUE}).")
    private Duration pollInterval;

    @Option(names = "--replica-handoff", defaultValue = "1s", converter = Durations.class,
            description = "The nodes' serving_replica_handoff_ms; 0 renames each download at once (default: ${DEFAULT-VALUE},"
                    + " the driver's).")
    private Duration replicaHandoff;

    @Option(names = "--rows", defaultValue = "200000", description = "Rows per snapshot (default: ${DEFAULT-VALUE}).")
    private int rows;

    @Option(names = "--outage", defaultValue = "3s", converter = Durations.class,
            description = "How long the object store is down halfway; 0 for none (default: ${DEFAULT-VALUE}).")
    private Duration outage;

    @Option(names = "--dir", description = "Where to put everything (default: a temporary directory, deleted at the end).")
    private Path directory;

    public static void main(String[] args) {
        System.exit(new CommandLine(new ManyHostsDemo()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        Path dir = directory != null ? directory : Files.createTempDirectory("many-hosts-");
        try {
            Result result = run(new Settings(publishes, pollInterval, replicaHandoff, rows, outage, dir), System.out);
            System.out.print(result.describe());
            return result.ok() ? 0 : 1;
        } finally {
            if (directory == null) {
                TempFiles.deleteRecursively(dir);
            }
        }
    }

    /** Runs the whole scenario in {@code settings.directory()}, printing what happens to {@code out}. */
    public static Result run(Settings settings, PrintStream out) throws Exception {
        Path dir = Files.createDirectories(settings.directory().toAbsolutePath());
        List<String> problems = new ArrayList<>();
        try (S3TestServer store = S3TestServer.start(dir.resolve("object-store"))) {
            store.createBucket(BUCKET);
            out.println("object store (S3Proxy) at " + store.endpoint() + ", bucket " + BUCKET);
            ObjectStorePublisher publisher = new ObjectStorePublisher(dir.resolve("publisher"), store,
                    "s3://" + BUCKET + "/" + KEY, settings.rows());
            String first = publisher.publish(1).publishId();
            out.println("published " + first + " to " + publisher.localTarget() + " and " + publisher.objectTarget());

            List<ReaderNodeProcess> nodes = new ArrayList<>();
            Map<String, List<Long>> lags = new LinkedHashMap<>();
            Map<String, Integer> missed = new LinkedHashMap<>();
            long waitMillis = settings.pollInterval().toMillis() * 4 + 30_000;
            try {
                for (String name : NODE_NAMES.split(",")) {
                    Path home = Files.createDirectories(dir.resolve(name));
                    String url = "jdbc:duckdb-serving:s3://" + BUCKET + "/" + KEY
                            + ";serving_replica_dir=" + home.resolve("replica")
                            + ";serving_s3_path_style=true"
                            + ";serving_poll_interval_ms=" + settings.pollInterval().toMillis()
                            + ";serving_replica_handoff_ms=" + settings.replicaHandoff().toMillis();
                    nodes.add(ReaderNodeProcess.start(name, url, store.awsEnvironment(), home.resolve("node.log")));
                    lags.put(name, new ArrayList<>());
                    missed.put(name, 0);
                }
                for (ReaderNodeProcess node : nodes) {
                    if (!node.awaitReady(120_000)) {
                        problems.add(node.name + " did not connect: see " + dir.resolve(node.name).resolve("node.log"));
                    }
                }
                out.println("reader nodes " + NODE_NAMES + " connected, each with its own replica directory");
                long outageMillis = 0;
                for (int batch = 2; batch <= settings.publishes() + 1 && problems.isEmpty(); batch++) {
                    if (batch == settings.publishes() / 2 + 2 && !settings.outage().isZero()) {
                        long down = System.nanoTime();
                        store.stop();
                        out.println("object store stopped");
                        Thread.sleep(settings.outage().toMillis());
                        store.restart();
                        outageMillis = (System.nanoTime() - down) / 1_000_000;
                        out.println("object store back after " + outageMillis + " ms");
                    }
                    long start = System.currentTimeMillis();
                    ObjectStorePublisher.Published p = publisher.publish(batch);
                    String id = p.publishId();
                    long published = p.madeCurrentEpochMillis();
                    StringBuilder line = new StringBuilder("published " + id + " (export and upload "
                            + (published - start) + " ms)");
                    for (ReaderNodeProcess node : nodes) {
                        long at = node.awaitServing(id, start, waitMillis);
                        if (at < 0) {
                            missed.merge(node.name, 1, Integer::sum);
                            line.append(", ").append(node.name).append(" did not serve it");
                        } else {
                            lags.get(node.name).add(at - published);
                            line.append(", ").append(node.name).append(" serving it after ").append(at - published).append(" ms");
                        }
                    }
                    out.println(line);
                }
                long start = System.currentTimeMillis();
                String back = publisher.rollback();
                long rolledBack = System.currentTimeMillis();
                out.println("rolled back to " + back + " (" + (rolledBack - start) + " ms, no upload)");
                Map<String, Long> rollbackLags = new LinkedHashMap<>();
                for (ReaderNodeProcess node : nodes) {
                    // From the rollback's start (its manifest PUT comes at its end): never less than the lag.
                    long at = node.awaitServing(back, start, waitMillis);
                    rollbackLags.put(node.name, at < 0 ? -1 : at - start);
                }
                List<NodeLags> results = new ArrayList<>();
                for (ReaderNodeProcess node : nodes) {
                    Map<String, String> summary = node.finish();
                    results.add(new NodeLags(node.name, lags.get(node.name), missed.get(node.name),
                            rollbackLags.get(node.name), node.errors(), summary));
                }
                long bytes = Files.size(publisher.localTarget());
                double download = downloadSpeed(results);
                double copy = localCopySpeed(publisher.localTarget(), dir.resolve("copy.duckdb"));
                return new Result(results, bytes, download, copy, outageMillis, problems);
            } finally {
                for (ReaderNodeProcess node : nodes) {
                    node.close();
                }
            }
        }
    }

    /** Megabytes per second over all the nodes' last downloads, as their replica metrics tell. */
    private static double downloadSpeed(List<NodeLags> nodes) {
        double bytes = 0;
        double millis = 0;
        for (NodeLags n : nodes) {
            long b = n.count("bytes");
            long d = n.count("downloads");
            long ms = n.count("last_download_ms");
            if (b > 0 && d > 0 && ms > 0) {
                bytes += (double) b / d;
                millis += ms;
            }
        }
        return millis == 0 ? Double.NaN : bytes / 1e6 / (millis / 1000.0);
    }

    /** A plain copy of the same file on this disk, made durable as a download is, for comparison. */
    static double localCopySpeed(Path file, Path copy) throws IOException {
        long best = Long.MAX_VALUE;
        for (int round = 0; round < 3; round++) {
            Files.deleteIfExists(copy);
            long start = System.nanoTime();
            Files.copy(file, copy);
            try (FileChannel ch = FileChannel.open(copy, StandardOpenOption.WRITE)) {
                ch.force(true);
            }
            best = Math.min(best, System.nanoTime() - start);
        }
        Files.deleteIfExists(copy);
        return Files.size(file) / 1e6 / (best / 1e9);
    }
}
