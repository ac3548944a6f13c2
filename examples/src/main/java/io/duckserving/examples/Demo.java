package io.duckserving.examples;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.duckserving.exporter.ExportRequest;
import io.duckserving.jdbc.ServingDriver;
import io.duckserving.jdbc.ServingHealth;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The end-to-end demo: a pipeline republishes a coffee-market lakehouse run after run while
 * dashboard readers query it through {@code jdbc:duckdb-serving:} without a single error; one
 * run publishes obviously wrong prices and is rolled back, and the readers follow both. At the
 * end it prints the driver's metrics, read through JMX.
 */
@Command(name = "demo", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"A pipeline updates a DuckDB lakehouse (holding its write lock) and publishes it with the",
                "exporter after every run, while readers query the published snapshot continuously through",
                "jdbc:duckdb-serving: (DriverManager connections and a HikariCP pool). One run publishes",
                "wrong prices and is rolled back with Publications.rollback(); at the end the driver's",
                "metrics are read through JMX."})
public final class Demo implements Callable<Integer> {

    /** The knobs of one demo run. */
    public record Settings(Duration duration, int readers, Duration publishInterval, Path directory, int historyDays,
            Duration handoff) {

        /** With the exporter's default handoff. */
        public Settings(Duration duration, int readers, Duration publishInterval, Path directory, int historyDays) {
            this(duration, readers, publishInterval, directory, historyDays, ExportRequest.DEFAULT_HANDOFF);
        }

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
            if (handoff.isNegative()) {
                throw new IllegalArgumentException("--handoff must be 0 or more, got " + handoff);
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
            description = {"A pipeline run, followed by a publish, starts this often, or as soon as the previous",
                    "publish returned when that takes longer (default: ${DEFAULT-VALUE})."})
    private Duration publishInterval;

    @Option(names = "--handoff", defaultValue = "1s", converter = Durations.class,
            description = {"How long each export offers the new file to the driver before its rename, so the",
                    "driver opens and warms it off the readers' path; 0 renames at once (default: ${DEFAULT-VALUE},",
                    "the exporter's default)."})
    private Duration handoff;

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
            DemoSummary summary = run(new Settings(duration, readers, publishInterval, dir, historyDays, handoff),
                    System.out);
            System.out.print(summary.describe());
            return summary.ok() ? 0 : 1;
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
        PublishedLakehouse lakehouse = PublishedLakehouse.create(settings.directory(), settings.historyDays(),
                settings.handoff());
        PublishedLakehouse.Publication first = lakehouse.first();
        out.printf("Published %s: run %d as publish %s, before the readers start; readers use %s%n",
                lakehouse.snapshot().getFileName(), first.run().runId(), first.publishId(), lakehouse.servingUrl());

        DemoStats stats = new DemoStats();
        PublishLog publishLog = new PublishLog();
        long now = System.nanoTime();
        publishLog.done(PublishLog.Kind.FIRST_PUBLISH, first.publishId(), first.run().runId(), now, now);
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
        out.printf("Running for %s: %d DriverManager reader(s), %d HikariCP reader(s).%n",
                seconds(settings.duration()), kept, pooled);
        out.printf("A pipeline run starts every %s, or as soon as the previous publish returned; each export offers"
                + " the new file to the driver for %s (the handoff) before its rename.%n",
                seconds(settings.publishInterval()), seconds(settings.handoff()));
        out.printf("The first run after %s publishes obviously wrong prices: it is rolled back once readers show it."
                + "%n", seconds(settings.duration().dividedBy(3)));

        long start = System.nanoTime();
        long deadline = start + settings.duration().toNanos();
        PipelineLoop pipeline = new PipelineLoop(lakehouse, settings.publishInterval(), start, deadline, publishLog,
                stats, out);
        List<Thread> threads = new ArrayList<>();
        for (DashboardReader reader : readers) {
            Thread t = new Thread(reader, reader.name());
            t.start();
            threads.add(t);
        }
        Thread pipelineThread = new Thread(pipeline, "pipeline");
        pipelineThread.start();
        List<DriverMetrics.Reading> metrics;
        String health;
        Duration ran;
        try {
            printStatusUntil(deadline, start, stats, publishLog, out);
            pipelineThread.join(); // readers keep reading until the last publish has returned
        } finally {
            readers.forEach(DashboardReader::stop);
            ran = Duration.ofNanos(System.nanoTime() - start);
            for (Thread t : threads) {
                t.join();
            }
            // Read while the pool still holds connections: the driver unregisters a path's MBean
            // once nobody has used the path for 10 seconds.
            metrics = DriverMetrics.read(lakehouse.snapshot());
            health = ServingHealth.of(lakehouse.snapshot()).toString();
            if (pool != null) {
                pool.close();
            }
        }
        List<PublishLog.Change> changes = publishLog.changes();
        long runs = pipeline.runsPublished.sum();
        int fewest = readers.stream().mapToInt(DashboardReader::swapsSeen).min().orElse(0);
        return new DemoSummary(settings.duration(), ran, settings.readers(), stats.queries.sum(), runs,
                settings.publishInterval(), average(pipeline.totalPipelineNanos.get(), runs),
                average(pipeline.totalExportNanos.get(), runs), average(pipeline.totalHandoffNanos.get(), runs),
                Duration.ofNanos(pipeline.longestExportNanos.get()), rollbackOf(pipeline.rollback(), stats),
                changes.size() - 1, changes.stream().skip(1).filter(PublishLog.Change::seen).count(), fewest,
                ServingDriver.snapshotsOpened() - opensBefore, stats.readerErrors.sum(), stats.staleReads.sum(),
                Duration.ofNanos(stats.worstStalenessNanos.get()), stats.pipelineErrors.sum(), stats.firstErrors(),
                metrics, health);
    }

    private static DemoSummary.Rollback rollbackOf(PipelineLoop.Rollback r, DemoStats stats) {
        if (r.bad() == null) {
            return r.notDone() == null ? null : new DemoSummary.Rollback(r.notDone(), 0, null, null, null, 0, 0, 0,
                    null, null, null, 0);
        }
        DemoStats.SeenSnapshot bad = r.bad().firstSeen().get();
        PublishLog.Change good = r.rollback();
        return new DemoSummary.Rollback(r.notDone(), r.bad().runId(), r.bad().publishId(),
                bad == null ? "?" : String.format("%,.2f", bad.frontMonthKc()),
                bad == null ? "?" : String.format("%,.2f", bad.curveKc()), r.bad().seenBy().size(),
                stats.badRefreshes.sum(), good == null ? 0 : good.runId(), good == null ? null : good.publishId(),
                r.rollbackTime(), good == null ? null : Duration.ofNanos(good.doneNanos() - r.bad().doneNanos()),
                good == null ? 0 : good.seenBy().size());
    }

    private static Duration average(long totalNanos, long count) {
        return Duration.ofNanos(count == 0 ? 0 : totalNanos / count);
    }

    private static String seconds(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : String.format("%.1f s", d.toMillis() / 1000.0);
    }

    /** One status line at each whole second of the run: [  1 s], [  2 s], ... up to the deadline. */
    private static void printStatusUntil(long deadline, long start, DemoStats stats, PublishLog publishLog,
            PrintStream out) throws InterruptedException {
        long lastQueries = 0;
        long lastNanos = start;
        for (long second = 1; start + second * 1_000_000_000L <= deadline; second++) {
            long tick = start + second * 1_000_000_000L;
            for (long wait = tick - System.nanoTime(); wait > 0; wait = tick - System.nanoTime()) {
                TimeUnit.NANOSECONDS.sleep(wait);
            }
            long now = System.nanoTime();
            long queries = stats.queries.sum();
            List<PublishLog.Change> changes = publishLog.changes();
            PublishLog.Change change = publishLog.latestSeen();
            DemoStats.SeenSnapshot seen = change.firstSeen().get();
            String snapshot = seen == null ? "publish " + change.publishId() + " (not seen yet)"
                    : String.format("run %d, publish %s, KC %,.2f c/lb%s, age %,d ms", seen.runId(), seen.publishId(),
                            seen.frontMonthKc(), seen.bad() ? " BAD" : "",
                            System.currentTimeMillis() - seen.publishedAtEpochMillis());
            out.printf("[%3d s] %,7.0f queries/s | %s | swaps %d, seen %d | errors %d%n", second,
                    (queries - lastQueries) / ((now - lastNanos) / 1e9), snapshot, changes.size() - 1,
                    changes.stream().skip(1).filter(PublishLog.Change::seen).count(),
                    stats.readerErrors.sum() + stats.pipelineErrors.sum() + stats.staleReads.sum());
            lastQueries = queries;
            lastNanos = now;
        }
    }
}
