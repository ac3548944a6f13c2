package io.duckserving.examples.bench;

import io.duckserving.exporter.ExportReport;
import io.duckserving.exporter.ExportRequest;
import io.duckserving.exporter.Exporter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.stream.Stream;

/**
 * Times three ways of copying the same serving layer, in one run on one lakehouse:
 * <ol>
 *   <li>by hand: one DuckDB, {@code ATTACH} the lakehouse read-only, {@code CREATE TABLE AS} per
 *       relation, {@code CHECKPOINT} (the bar: the exporter must reach 0.9 of its speed);</li>
 *   <li>the exporter ({@link Exporter}, file source): the same copy plus fsync, read-back
 *       verification, atomic rename and metadata;</li>
 *   <li>the exporter's live-connection route: the lakehouse opened by a JDBC connection and
 *       streamed through Arrow C Data.</li>
 * </ol>
 * Usage: {@code ExportBenchmark [--rows N] [--rounds R] [--dir DIR]} (defaults: 20,000,000 rows,
 * 3 rounds, a temporary directory). Hand copy and exporter alternate which goes first; the best
 * round of each counts (the least disturbed by other load), the medians are printed too.
 * Needs {@code --add-opens=java.base/java.nio=ALL-UNNAMED} for the Arrow route.
 */
public final class ExportBenchmark {

    private static final List<String> RELATIONS = List.of("orders", "customers", "order_lines", "daily_revenue");

    private ExportBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        long rows = 20_000_000;
        int rounds = 3;
        Path dir = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--rows" -> rows = Long.parseLong(args[++i].replace("_", ""));
                case "--rounds" -> rounds = Integer.parseInt(args[++i]);
                case "--dir" -> dir = Path.of(args[++i]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]
                        + "; use --rows N, --rounds R, --dir DIR");
            }
        }
        boolean ownDir = dir == null;
        dir = ownDir ? Files.createTempDirectory("export-bench") : Files.createDirectories(dir);
        try {
            run(dir, rows, rounds);
        } finally {
            if (ownDir) {
                deleteRecursively(dir);
            }
        }
    }

    private static void run(Path dir, long rows, int rounds) throws Exception {
        Path lake = dir.resolve("lakehouse.duckdb");
        Files.deleteIfExists(lake);
        System.err.printf(Locale.ROOT, "building %s with %,d orders ...%n", lake, rows);
        long built = System.nanoTime();
        buildLakehouse(lake, rows);
        System.err.printf(Locale.ROOT, "built in %.1f s (%,d bytes)%n", (System.nanoTime() - built) / 1e9,
                Files.size(lake));

        List<Result> hands = new ArrayList<>();
        List<Result> exports = new ArrayList<>();
        for (int round = 1; round <= rounds; round++) {
            if (round % 2 == 1) {
                hands.add(handCopy(lake, dir.resolve("hand.duckdb")));
                exports.add(exporterCopy(lake, dir.resolve("analytics.duckdb")));
            } else {
                exports.add(exporterCopy(lake, dir.resolve("analytics.duckdb")));
                hands.add(handCopy(lake, dir.resolve("hand.duckdb")));
            }
            System.err.printf(Locale.ROOT, "round %d: hand %.2f s, exporter %.2f s%n", round,
                    hands.get(round - 1).seconds, exports.get(round - 1).seconds);
        }
        Result hand = best(hands);
        Result exporter = best(exports);
        Result arrow = arrowCopy(lake, dir.resolve("analytics_arrow.duckdb"));

        System.out.printf(Locale.ROOT, "%nExport benchmark: %,d rows in %d relations (%s), %d cores, best of %d%n%n",
                hand.rows, RELATIONS.size(), String.join(", ", RELATIONS),
                Runtime.getRuntime().availableProcessors(), rounds);
        System.out.println("| route | seconds | rows/s | MB/s (output file) | ratio to hand copy |");
        System.out.println("| --- | ---: | ---: | ---: | ---: |");
        for (Result r : List.of(hand, exporter, arrow)) {
            System.out.printf(Locale.ROOT, "| %s | %.2f | %,.0f | %.1f | %.2f |%n", r.route, r.seconds,
                    r.rows / r.seconds, r.bytes / 1e6 / r.seconds, hand.seconds / r.seconds);
        }
        System.out.printf(Locale.ROOT, "%nexporter / hand copy speed: %.2f best, %.2f median (goal: at least 0.90)%n",
                hand.seconds / exporter.seconds, median(hands) / median(exports));
    }

    private record Result(String route, double seconds, long rows, long bytes) {
    }

    private static Result best(List<Result> results) {
        return results.stream().min(Comparator.comparingDouble(Result::seconds)).orElseThrow();
    }

    private static double median(List<Result> results) {
        double[] s = results.stream().mapToDouble(Result::seconds).sorted().toArray();
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    /** A lakehouse shaped like SQLMesh/dbt output: physical tables in {@code raw}, views in {@code serving}. */
    static void buildLakehouse(Path lake, long rows) throws SQLException {
        try (Connection c = open("jdbc:duckdb:" + lake); Statement st = c.createStatement()) {
            st.execute("CREATE SCHEMA raw; CREATE SCHEMA serving");
            st.execute("CREATE TYPE status AS ENUM ('new', 'paid', 'shipped', 'returned')");
            st.execute("CREATE TABLE raw.customers AS SELECT i AS customer_id, 'customer-' || i AS name,"
                    + " (['NL','DE','FR','US','JP'])[1 + (i % 5)::INTEGER] AS country, uuid() AS customer_uuid,"
                    + " DATE '2020-01-01' + (i % 1500)::INTEGER AS since"
                    + " FROM range(" + Math.max(1, rows / 20) + ") r(i)");
            st.execute("CREATE TABLE raw.orders AS SELECT i AS order_id, (i % " + Math.max(1, rows / 20)
                    + ") AS customer_id, TIMESTAMPTZ '2024-01-01 00:00:00+00' + to_seconds(i % 31536000) AS ordered_at,"
                    + " ((i * 7919) % 100000 / 100.0)::DECIMAL(18,2) AS amount,"
                    + " (['new','paid','shipped','returned'])[1 + (i % 4)::INTEGER]::status AS status,"
                    + " (i * 1000003)::HUGEINT * 1000000000000::HUGEINT AS ledger_ref,"
                    + " (i % 3 = 0) AS express, i / 7.0 AS weight_kg,"
                    + " CASE WHEN i % 11 = 0 THEN NULL ELSE 'note ' || (i % 1000) END AS note"
                    + " FROM range(" + rows + ") r(i)");
            st.execute("CREATE TABLE raw.order_lines AS SELECT order_id, [order_id % 97, order_id % 89] AS sku_ids,"
                    + " {'qty': (order_id % 5)::INTEGER + 1, 'unit': 'pcs'} AS detail"
                    + " FROM raw.orders WHERE order_id % 4 = 0");
            st.execute("CREATE VIEW serving.orders AS SELECT * FROM raw.orders");
            st.execute("CREATE VIEW serving.customers AS SELECT * FROM raw.customers");
            st.execute("CREATE VIEW serving.order_lines AS SELECT * FROM raw.order_lines");
            st.execute("CREATE VIEW serving.daily_revenue AS SELECT date_trunc('day', ordered_at) AS day, status,"
                    + " count(*) AS orders, sum(amount) AS revenue FROM raw.orders GROUP BY ALL");
            st.execute("CHECKPOINT");
        }
    }

    /** What the exporter must keep up with: ATTACH + CREATE TABLE AS + CHECKPOINT in one DuckDB. */
    static Result handCopy(Path lake, Path out) throws Exception {
        deleteDatabase(out);
        long start = System.nanoTime();
        long rows = 0;
        try (Connection c = open("jdbc:duckdb:"); Statement st = c.createStatement()) {
            st.execute("ATTACH '" + lake + "' AS lakehouse (READ_ONLY)");
            st.execute("ATTACH '" + out + "' AS dst");
            st.execute("CREATE SCHEMA dst.serving");
            for (String r : RELATIONS) {
                st.execute("CREATE TABLE dst.serving." + r + " AS SELECT * FROM lakehouse.serving." + r);
            }
            st.execute("CHECKPOINT dst");
            for (String r : RELATIONS) {
                try (ResultSet rs = st.executeQuery("SELECT count(*) FROM dst.serving." + r)) {
                    rs.next();
                    rows += rs.getLong(1);
                }
            }
            st.execute("DETACH dst");
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        return new Result("hand-written ATTACH + CREATE TABLE AS", seconds, rows, Files.size(out));
    }

    static Result exporterCopy(Path lake, Path target) throws Exception {
        long start = System.nanoTime();
        ExportReport report = new Exporter().export(ExportRequest.builder().source(lake).target(target).build());
        double seconds = (System.nanoTime() - start) / 1e9;
        return new Result("exporter (file source)", seconds, report.totalRows(), report.bytes());
    }

    static Result arrowCopy(Path lake, Path target) throws Exception {
        try (Connection live = open("jdbc:duckdb:" + lake)) {
            long start = System.nanoTime();
            ExportReport report = new Exporter().export(ExportRequest.builder().sourceConnection(live)
                    .target(target).build());
            double seconds = (System.nanoTime() - start) / 1e9;
            return new Result("exporter (live connection, Arrow)", seconds, report.totalRows(), report.bytes());
        }
    }

    private static Connection open(String url) throws SQLException {
        Properties props = new Properties();
        props.setProperty("jdbc_instance_cache", "false");
        return DriverManager.getConnection(url, props);
    }

    private static void deleteDatabase(Path file) throws IOException {
        Files.deleteIfExists(file);
        Files.deleteIfExists(file.resolveSibling(file.getFileName() + ".wal"));
    }

    private static void deleteRecursively(Path dir) throws IOException {
        try (Stream<Path> walk = Files.walk(dir)) {
            List<Path> paths = new ArrayList<>(walk.sorted(Comparator.reverseOrder()).toList());
            for (Path p : paths) {
                Files.deleteIfExists(p);
            }
        }
    }
}
