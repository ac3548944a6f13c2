package io.duckserving.examples.bench;

import io.duckserving.examples.TempFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Runs the driver benchmark (JMH, both drivers in one run) and the swap measurements, then
 * prints the README's table. Started by {@code mvn -B -q -pl examples exec:exec@bench}.
 */
@Command(name = "bench", mixinStandardHelpOptions = true, sortOptions = false,
        description = "JMH: jdbc:duckdb-serving: vs jdbc:duckdb: read-only on one file; then swap latency and opens.")
public final class BenchmarkMain implements Callable<Integer> {

    @Option(names = "--forks", defaultValue = "1", description = "JMH forks per benchmark (default: ${DEFAULT-VALUE}).")
    private int forks;

    @Option(names = "--warmup", defaultValue = "3", description = "Warm-up iterations of 1 s (default: ${DEFAULT-VALUE}).")
    private int warmup;

    @Option(names = "--iterations", defaultValue = "5",
            description = "Measured iterations of 1 s (default: ${DEFAULT-VALUE}).")
    private int iterations;

    @Option(names = "--swaps", defaultValue = "50", description = "Swaps per swap measurement (default: ${DEFAULT-VALUE}).")
    private int swaps;

    @Option(names = "--paired-rounds", defaultValue = "30",
            description = "Alternating rounds of the paired cross-check, 0 to skip (default: ${DEFAULT-VALUE}).")
    private int pairedRounds;

    @Option(names = "--connections", defaultValue = "16",
            description = "Reader connections while counting opens per swap (default: ${DEFAULT-VALUE}).")
    private int connections;

    public static void main(String[] args) {
        System.exit(new CommandLine(new BenchmarkMain()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        Options options = new OptionsBuilder()
                .include(DriverBenchmark.class.getName())
                .forks(forks)
                .warmupIterations(warmup)
                .warmupTime(TimeValue.seconds(1))
                .measurementIterations(iterations)
                .measurementTime(TimeValue.seconds(1))
                .build();
        Collection<RunResult> results = new Runner(options).run();

        Path directory = Files.createTempDirectory("duckdb-serving-swaps");
        SwapBenchmark.Result latency;
        SwapBenchmark.Result fanOut;
        try {
            latency = SwapBenchmark.run(directory.resolve("one"), 1, swaps);
            fanOut = SwapBenchmark.run(directory.resolve("many"), connections, swaps);
        } finally {
            TempFiles.deleteRecursively(directory);
        }
        PairedBenchmark.Result[] paired = pairedRounds > 0 ? PairedBenchmark.run(pairedRounds, 200)
                : new PairedBenchmark.Result[0];
        System.out.println();
        System.out.println(table(results, paired, latency, fanOut));
        return 0;
    }

    /** The README's benchmark table, in Markdown. */
    static String table(Collection<RunResult> results, PairedBenchmark.Result[] paired, SwapBenchmark.Result latency,
            SwapBenchmark.Result fanOut) {
        Map<String, double[]> byBenchmark = new LinkedHashMap<>();
        Map<String, double[]> errors = new LinkedHashMap<>();
        for (RunResult r : results) {
            String label = r.getParams().getBenchmark().replaceAll(".*\\.", "");
            String driver = r.getParams().getParam("driver");
            int column = DriverBenchmark.SERVING.equals(driver) ? 1 : DriverBenchmark.SERVING_RATE_LIMITED.equals(driver) ? 2 : 0;
            byBenchmark.computeIfAbsent(label, k -> new double[3])[column] = r.getPrimaryResult().getScore();
            errors.computeIfAbsent(label, k -> new double[3])[column] = r.getPrimaryResult().getScoreError();
        }
        StringBuilder b = new StringBuilder();
        b.append("| statement | `jdbc:duckdb:` read-only (µs/op) | `jdbc:duckdb-serving:` (µs/op) | serving / duckdb"
                + " | serving, `serving_check_interval_ms=5` (µs/op) | rate-limited / duckdb |\n");
        b.append("| --- | ---: | ---: | ---: | ---: | ---: |\n");
        byBenchmark.forEach((label, score) -> b.append(String.format("| %s | %.2f ± %.2f | %.2f ± %.2f | %.3f | %.2f ± %.2f | %.3f |%n",
                describe(label), score[0], errors.get(label)[0], score[1], errors.get(label)[1], score[1] / score[0],
                score[2], errors.get(label)[2], score[2] / score[0])));
        if (paired.length > 0) {
            b.append('\n');
            b.append("| statement (paired rounds, medians) | `jdbc:duckdb:` read-only (µs/op) | `jdbc:duckdb-serving:` (µs/op)"
                    + " | serving / duckdb |\n");
            b.append("| --- | ---: | ---: | ---: |\n");
            for (PairedBenchmark.Result p : paired) {
                b.append(String.format("| %s | %.2f | %.2f | %.3f |%n",
                        p.statement(), p.duckdbMicros(), p.servingMicros(), p.medianRatio()));
            }
        }
        b.append('\n');
        b.append("| swap measurement | result |\n| --- | ---: |\n");
        b.append(String.format("| rename -> first statement that sees the new snapshot, 1 reader (median / p90 / max of %d) "
                        + "| %.1f / %.1f / %.1f ms |%n",
                latency.swaps(), latency.latencyMillis(50), latency.latencyMillis(90), latency.latencyMillis(100)));
        b.append(String.format("| statements that started after a rename and saw the old snapshot | %d of %,d |%n",
                latency.staleStatements() + fanOut.staleStatements(), latency.statements() + fanOut.statements()));
        b.append(String.format("| DuckDB opens per swap, %d connections busy in %d threads | %.2f |%n",
                fanOut.connections(), fanOut.connections(), fanOut.opensPerSwap()));
        b.append(String.format("| rename -> first statement on the new snapshot, %d readers (median / max) | %.1f / %.1f ms |%n",
                fanOut.connections(), fanOut.latencyMillis(50), fanOut.latencyMillis(100)));
        return b.toString();
    }

    private static String describe(String benchmark) {
        return switch (benchmark) {
            case "select42" -> "`SELECT 42` on a fresh `Statement`";
            case "pointLookup" -> "prepared primary-key lookup (1M rows)";
            default -> benchmark;
        };
    }
}
