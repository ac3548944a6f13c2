package io.duckserving.examples;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.duckserving.jdbc.ServingDriver;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The end-to-end demo: a pipeline republishes a coffee-market lakehouse every second while
 * dashboard readers query it through {@code jdbc:duckdb-serving:} without a single error.
 */
@Command(name = "demo", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"A pipeline updates a DuckDB lakehouse (holding its write lock) and publishes it with the",
                "exporter after every run, while readers query the published snapshot continuously through",
                "jdbc:duckdb-serving: (DriverManager connections and a HikariCP pool)."})
public final class Demo implements Callable<Integer> {

    /** The knobs of one demo run. */
    public record Settings(Duration duration, int readers, Duration publishInterval, Path directory, int historyDays) {
        public Settings {
            if (readers < 1) {
                throw new IllegalArgumentException("--readers must be at least 1, got " + readers);
            }
            if (duration.isNegative() || duration.isZero()) {
                throw new IllegalArgumentException("--duration must be positive, got " + duration);
            }
            if (publishInterval.isNegative() || publishInterval.isZero()) {
                throw new IllegalArgumentException("--publish-interval must be positive, got " + publishInterval);
            }
        }
    }

    @Option(names = "--duration", defaultValue = "30s", converter = Durations.class,
            description = "How long readers and pipeline run, e.g. 30s, 2m (default: ${DEFAULT-VALUE}).")
    private Duration duration;

    @Option(names = "--readers", defaultValue = "4",
            description = "Reader threads; half keep a DriverManager connection, half use a HikariCP pool"
                    + " (default: ${DEFAULT-VALUE}).")
    private int readers;

    @Option(names = "--publish-interval", defaultValue = "1s", converter = Durations.class,
            description = "Time between pipeline runs, each followed by a publish (default: ${DEFAULT-VALUE}).")
    private Duration publishInterval;

    @Option(names = "--dir", description = "Where to put lakehouse.duckdb and analytics.duckdb"
            + " (default: a temporary directory, deleted at the end).")
    private Path directory;

    @Option(names = "--history-days", defaultValue = "" + PublishedLakehouse.DEFAULT_HISTORY_DAYS,
            description = "Trading days of generated history (default: ${DEFAULT-VALUE}).")
    private int historyDays;

    public static void main(String[] args) {
        System.exit(new CommandLine(new Demo()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        Path dir = directory != null ? directory : Files.createTempDirectory("duckdb-serving-demo");
        try {
            DemoSummary summary = run(new Settings(duration, readers, publishInterval, dir, historyDays), System.out);
            System.out.print(summary.describe());
            return summary.clean() && summary.swapsSeenByReaders() > 0 ? 0 : 1;
        } finally {
            if (directory == null) {
                TempFiles.deleteRecursively(dir);
            }
        }
    }

    /** Runs the demo, printing a status line every second to {@code out}, and returns what happened. */
    public static DemoSummary run(Settings settings, PrintStream out) throws Exception {
        out.printf("Generating the lakehouse (%d trading days of coffee futures, prices, volumes and stocks) in %s%n",
                settings.historyDays(), settings.directory());
        PublishedLakehouse lakehouse = PublishedLakehouse.create(settings.directory(), settings.historyDays());
        out.printf("Published %s; readers use %s%n", lakehouse.snapshot().getFileName(), lakehouse.servingUrl());

        DemoStats stats = new DemoStats();
        PublishLog publishLog = new PublishLog();
        long opensBefore = ServingDriver.snapshotsOpened();
        int kept = (settings.readers() + 1) / 2;
        int pooled = settings.readers() - kept;
        HikariDataSource pool = null;
        List<DashboardReader> readers = new ArrayList<>();
        for (int i = 1; i <= kept; i++) {
            readers.add(DashboardReader.keptConnection("driver-manager-" + i, lakehouse.servingUrl(), publishLog, stats));
        }
        if (pooled > 0) {
            HikariConfig config = new HikariConfig(); // the default configuration: only the URL is set
            config.setJdbcUrl(lakehouse.servingUrl());
            pool = new HikariDataSource(config);
            for (int i = 1; i <= pooled; i++) {
                readers.add(DashboardReader.pooled("hikari-" + i, pool, publishLog, stats));
            }
        }
        out.printf("Running for %d s: %d DriverManager reader(s), %d HikariCP reader(s), a publish every %d ms%n",
                settings.duration().toSeconds(), kept, pooled, settings.publishInterval().toMillis());

        long start = System.nanoTime();
        long deadline = start + settings.duration().toNanos();
        PipelineLoop pipeline = new PipelineLoop(lakehouse, settings.publishInterval(), deadline, publishLog, stats);
        List<Thread> threads = new ArrayList<>();
        for (DashboardReader reader : readers) {
            Thread t = new Thread(reader, reader.name());
            t.start();
            threads.add(t);
        }
        Thread pipelineThread = new Thread(pipeline, "pipeline");
        pipelineThread.start();
        try {
            printStatusUntil(deadline, start, stats, pipeline, out);
            pipelineThread.join();
        } finally {
            readers.forEach(DashboardReader::stop);
            for (Thread t : threads) {
                t.join();
            }
            if (pool != null) {
                pool.close();
            }
        }
        Duration ran = Duration.ofNanos(System.nanoTime() - start);
        long runs = pipeline.runsPublished.sum();
        int fewest = readers.stream().mapToInt(DashboardReader::swapsSeen).min().orElse(0);
        return new DemoSummary(ran, settings.readers(), stats.queries.sum(), runs,
                Math.max(0, stats.publishIdsSeen.size() - 1), fewest, stats.readerErrors.sum(),
                stats.staleReads.sum(), Duration.ofNanos(stats.worstStalenessNanos.get()), stats.pipelineErrors.sum(),
                Duration.ofNanos(runs == 0 ? 0 : pipeline.totalExportNanos.get() / runs),
                Duration.ofNanos(pipeline.longestExportNanos.get()),
                ServingDriver.snapshotsOpened() - opensBefore, stats.firstErrors());
    }

    private static void printStatusUntil(long deadline, long start, DemoStats stats, PipelineLoop pipeline,
            PrintStream out) throws InterruptedException {
        long lastQueries = 0;
        long lastNanos = start;
        while (System.nanoTime() < deadline) {
            Thread.sleep(Math.max(1, Math.min(1000, (deadline - System.nanoTime()) / 1_000_000)));
            long now = System.nanoTime();
            if (now - lastNanos < 200_000_000L) {
                continue; // the last sliver of the run: too short for a meaningful rate
            }
            long queries = stats.queries.sum();
            DemoStats.SeenSnapshot seen = stats.newestSeen();
            long ageMillis = Instant.now().toEpochMilli() - seen.publishedAtEpochMillis();
            out.printf("[%3d s] %,7.0f queries/s | snapshot run %d, publish %s, age %,d ms | swaps published %d,"
                            + " seen %d | errors %d%n",
                    Math.round((now - start) / 1e9), (queries - lastQueries) / ((now - lastNanos) / 1e9),
                    seen.runId(), seen.publishId(), ageMillis, pipeline.runsPublished.sum(),
                    Math.max(0, stats.publishIdsSeen.size() - 1),
                    stats.readerErrors.sum() + stats.pipelineErrors.sum());
            lastQueries = queries;
            lastNanos = now;
        }
    }
}
