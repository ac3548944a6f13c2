package io.duckserving.examples.bench;

import io.duckserving.examples.TempFiles;
import io.duckserving.examples.bench.DashboardReaders.PhaseLog;
import io.duckserving.examples.bench.SwapLatencyReport.ModeResult;
import io.duckserving.examples.bench.SwapLatencyReport.PhaseStats;
import io.duckserving.examples.bench.SwapLatencyReport.SwapStats;
import io.duckserving.jdbc.ServingDriver;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * What publishing does to a dashboard's tail latency. Readers run dashboard aggregates back to
 * back on a multi-million-row snapshot, first with no publishing (steady), then while a new
 * snapshot is published every interval (swaps), once per driver mode:
 * <ul>
 * <li>{@code strict}: the default URL; every statement after a rename runs on the new file, so
 * whoever runs first after a swap pays its open and its cold first queries;</li>
 * <li>{@code lag}: {@code serving_max_lag_ms}, which lets readers stay on the replaced snapshot
 * for a bounded time while the new one is opened and warmed off their path;</li>
 * <li>{@code handoff}: the default URL, publishing by the exporter's protocol, which announces
 * the new file by a hard link before renaming it.</li>
 * </ul>
 * Prints the README's tables: p50/p99/p99.9/max per mode and phase, p99 swaps/steady, the time
 * from each rename to the first result on the new snapshot, statements that read a replaced
 * snapshot and by how much. Started by {@code mvn -B -q -pl examples exec:exec@swap-latency}.
 */
@Command(name = "swap-latency", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Dashboard readers' latency with no publishing, then with a publish every interval, per mode.")
public final class SwapLatencyBenchmark implements Callable<Integer> {

    /** The driver modes compared; {@code seamless} ones must keep p99 within {@link SwapLatencyReport#SEAMLESS_GOAL}. */
    enum Mode {
        STRICT(false), LAG(true), HANDOFF(true);

        final boolean seamless;

        Mode(boolean seamless) {
            this.seamless = seamless;
        }

        String id() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** How long the last publish may take to reach every reader before the swap phase ends anyway. */
    private static final Duration DRAIN_TIMEOUT = Duration.ofSeconds(30);

    @Option(names = "--rows", defaultValue = "3000000", description = "Rows in the snapshot (default: ${DEFAULT-VALUE}).")
    private long rows;

    @Option(names = "--readers", defaultValue = "2",
            description = "Reader threads, one connection each (default: ${DEFAULT-VALUE}).")
    private int readers;

    @Option(names = "--phase-seconds", defaultValue = "20",
            description = "Length of each steady and each swap phase (default: ${DEFAULT-VALUE}).")
    private int phaseSeconds;

    @Option(names = "--rounds", defaultValue = "1",
            description = "Alternate steady and swap phases this many times, splitting --phase-seconds; on a shared"
                    + " machine more rounds let background load hit both phases alike (default: ${DEFAULT-VALUE}).")
    private int rounds;

    @Option(names = "--warmup-seconds", defaultValue = "3",
            description = "Queries before each mode's steady phase, not counted (default: ${DEFAULT-VALUE}).")
    private int warmupSeconds;

    @Option(names = "--interval-ms", defaultValue = "500",
            description = "Time between publishes in the swap phase (default: ${DEFAULT-VALUE}).")
    private long intervalMillis;

    @Option(names = "--handoff-ms", defaultValue = "1000",
            description = "Handoff of the handoff mode; it publishes every max(interval, handoff) (default: ${DEFAULT-VALUE}).")
    private long handoffMillis;

    @Option(names = "--max-lag-ms", defaultValue = "2000",
            description = "serving_max_lag_ms of the lag mode (default: ${DEFAULT-VALUE}).")
    private long maxLagMillis;

    @Option(names = "--url-options", defaultValue = "",
            description = "More URL options for every serving mode, e.g. serving_warmup_ms=0 (default: none).")
    private String urlOptionsForAll;

    @Option(names = "--modes", split = ",", defaultValue = "strict,lag,handoff",
            description = "Modes to run, of ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    private List<Mode> modes;

    @Option(names = "--duckdb-baseline", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Also run the steady phase on DuckDB's own jdbc:duckdb: read-only (default: ${DEFAULT-VALUE}).")
    private boolean duckdbBaseline;

    @Option(names = "--dir", description = "Work directory (default: a temporary one, removed afterwards).")
    private Path dir;

    @Spec
    private CommandSpec spec;

    public static void main(String[] args) {
        System.exit(new CommandLine(new SwapLatencyBenchmark()).setCaseInsensitiveEnumValuesAllowed(true).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        requireAtLeast(1, rows, "--rows");
        requireAtLeast(1, readers, "--readers");
        requireAtLeast(1, phaseSeconds, "--phase-seconds");
        requireAtLeast(1, rounds, "--rounds");
        requireAtLeast(0, warmupSeconds, "--warmup-seconds");
        requireAtLeast(1, intervalMillis, "--interval-ms");
        requireAtLeast(0, handoffMillis, "--handoff-ms");
        long longestCadenceMillis = Math.max(intervalMillis, modes.contains(Mode.HANDOFF) ? handoffMillis : 0);
        if (phaseSeconds * 1000L / rounds < longestCadenceMillis) {
            throw new ParameterException(spec.commandLine(), String.format(Locale.ROOT, "--phase-seconds %d in %d"
                    + " --rounds leaves no room for one publish every %d ms; use fewer rounds or longer phases",
                    phaseSeconds, rounds, longestCadenceMillis));
        }
        Path root = dir == null ? Files.createTempDirectory("duckdb-serving-swap-latency") : Files.createDirectories(dir);
        try {
            Path base = Files.createDirectories(root.resolve("base")).resolve(DashboardSnapshot.FILE_NAME);
            Files.deleteIfExists(base);
            progress("building %s with %,d rows", base, rows);
            long start = System.nanoTime();
            DashboardSnapshot.createBase(base, rows);
            progress("built in %.1f s, %,d bytes", (System.nanoTime() - start) / 1e9, Files.size(base));

            PhaseStats duckdb = duckdbBaseline ? runDuckDbBaseline(base) : null;
            List<ModeResult> results = new ArrayList<>();
            for (Mode mode : modes) {
                results.add(runMode(mode, base, root));
            }
            SwapLatencyReport.Settings settings = new SwapLatencyReport.Settings(rows, Files.size(base), readers,
                    Duration.ofSeconds(warmupSeconds), Duration.ofSeconds(phaseSeconds), rounds);
            System.out.println();
            System.out.println(SwapLatencyReport.markdown(settings, duckdb, results));
            return 0;
        } finally {
            if (dir == null) {
                TempFiles.deleteRecursively(root);
            }
        }
    }

    /** DuckDB's own driver read-only on the base file: what a dashboard costs without a wrapper (it cannot follow swaps). */
    private PhaseStats runDuckDbBaseline(Path base) throws Exception {
        Properties readOnly = new Properties();
        readOnly.setProperty("duckdb.read_only", "true");
        DashboardReaders duckdb = DashboardReaders.open(readers,
                () -> DriverManager.getConnection("jdbc:duckdb:" + base, readOnly));
        PhaseLog steady = new PhaseLog(readers);
        try (duckdb) {
            duckdb.start(new PhaseLog(readers));
            progress("[jdbc:duckdb:] warm-up %d s, steady %d s", warmupSeconds, phaseSeconds);
            Thread.sleep(Duration.ofSeconds(warmupSeconds).toMillis());
            duckdb.record(steady);
            Thread.sleep(Duration.ofSeconds(phaseSeconds).toMillis());
        }
        return PhaseStats.of(steady);
    }

    private ModeResult runMode(Mode mode, Path base, Path root) throws Exception {
        Path directory = Files.createDirectories(root.resolve(mode.id()));
        Path target = directory.resolve(DashboardSnapshot.FILE_NAME);
        Files.copy(base, target);
        SnapshotPublisher publisher = mode == Mode.HANDOFF
                ? new SnapshotPublisher.ExporterHandoff(target, Duration.ofMillis(handoffMillis))
                : new SnapshotPublisher.PlainRename(target);
        // One publish at a time, as under the exporter's lock: a handoff longer than the interval stretches it.
        long cadenceNanos = Math.max(Duration.ofMillis(intervalMillis).toNanos(), publisher.duration().toNanos());
        long roundNanos = Duration.ofSeconds(phaseSeconds).toNanos() / rounds;
        int publishesPerRound = (int) (roundNanos / cadenceNanos);
        int publishes = publishesPerRound * rounds;
        String urlOptions = (mode == Mode.LAG ? ";serving_max_lag_ms=" + maxLagMillis : "")
                + (urlOptionsForAll.isBlank() ? "" : ";" + urlOptionsForAll.trim());
        String url = "jdbc:duckdb-serving:" + target + urlOptions;
        String urlLabel = "`jdbc:duckdb-serving:<path>" + urlOptions + "`";
        String modeLabel = switch (mode) {
            case STRICT -> "strict (default URL), plain renames";
            case LAG -> "`serving_max_lag_ms=" + maxLagMillis + "`, plain renames";
            case HANDOFF -> "exporter handoff of " + handoffMillis + " ms (emulated), default URL";
        };
        String publishing = String.format(Locale.ROOT, "%s every %d ms", publisher.describe(), cadenceNanos / 1_000_000);

        DashboardReaders serving;
        try {
            serving = DashboardReaders.open(readers, () -> DriverManager.getConnection(url));
        } catch (SQLException e) {
            progress("[%s] not run: the driver refused %s: %s", mode.id(), url, e.getMessage());
            return ModeResult.notRun(modeLabel, urlLabel, mode.seamless, publishing, e.getMessage());
        }
        PhaseLog steady = new PhaseLog(readers);
        PhaseLog swaps = new PhaseLog(readers);
        long[] renamedAt = new long[publishes + 1];
        DashboardSnapshot.ReadyFiles ready;
        boolean drained;
        long opens;
        try (serving) {
            progress("[%s] preparing %d ready files", mode.id(), publishes);
            ready = DashboardSnapshot.writeReadyFiles(base, root.resolve(mode.id() + "-ready"), publishes);
            progress("[%s] prepared in %.1f s (%.2f s each); warm-up %d s, then %d round(s) of %.1f s steady and"
                    + " %.1f s of %s", mode.id(), ready.totalSeconds(), ready.secondsPerFile(), warmupSeconds, rounds,
                    roundNanos / 1e9, roundNanos / 1e9, publishing);
            serving.start(new PhaseLog(readers));
            Thread.sleep(Duration.ofSeconds(warmupSeconds).toMillis());
            long opensBefore = ServingDriver.snapshotsOpened();
            drained = true;
            for (int round = 0; round < rounds; round++) {
                serving.record(steady);
                SnapshotPublisher.sleepUntil(System.nanoTime() + roundNanos);
                serving.record(swaps);
                int first = round * publishesPerRound + 1;
                publishRound(publisher, ready.paths(), renamedAt, first, publishesPerRound, cadenceNanos, roundNanos);
                // Statements until every reader has read the round's last publish still belong to the swap phase.
                drained &= serving.awaitAllRead(first + publishesPerRound - 1, DRAIN_TIMEOUT);
            }
            opens = ServingDriver.snapshotsOpened() - opensBefore;
            serving.record(new PhaseLog(readers));
        }
        SwapStats swapStats = SwapStats.of(swaps.samples(), renamedAt, opens, drained);
        TempFiles.deleteRecursively(directory);
        TempFiles.deleteRecursively(root.resolve(mode.id() + "-ready"));
        return new ModeResult(modeLabel, urlLabel, mode.seamless, publishing, PhaseStats.of(steady),
                PhaseStats.of(swaps), swapStats, ready, null);
    }

    /**
     * Publishes {@code first .. first + count - 1} on a fixed schedule (a slow publish does not
     * push the later ones back), then waits out the round; records each rename's time in {@code renamedAt}.
     */
    private static void publishRound(SnapshotPublisher publisher, List<Path> ready, long[] renamedAt, int first,
            int count, long cadenceNanos, long roundNanos) throws IOException {
        long start = System.nanoTime();
        for (int i = 0; i < count; i++) {
            SnapshotPublisher.sleepUntil(start + i * cadenceNanos);
            renamedAt[first + i] = publisher.publish(ready.get(first + i - 1));
        }
        SnapshotPublisher.sleepUntil(start + roundNanos);
    }

    private void requireAtLeast(long least, long value, String option) {
        if (value < least) {
            throw new ParameterException(spec.commandLine(), option + " must be at least " + least + ", not " + value);
        }
    }

    private static void progress(String format, Object... args) {
        System.err.printf(Locale.ROOT, format + "%n", args);
    }
}
