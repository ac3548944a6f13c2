package io.duckserving.examples.bench;

import io.duckserving.examples.CoffeeLakehouse;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The snapshot the swap-latency benchmark serves: a {@code sales} table of a few million rows
 * that three dashboard tiles aggregate, and a one-row {@code marker} table holding the number of
 * the publish that produced the file. Every dashboard query reads the marker in the same
 * statement (a {@code CROSS JOIN}), so each result can be attributed to exactly one snapshot.
 */
final class DashboardSnapshot {

    /** The published file's name; its catalog is {@code dashboard}. */
    static final String FILE_NAME = "dashboard.duckdb";

    /**
     * Three dashboard tiles, rotated by the readers so that a snapshot sees several distinct
     * statements (what a warm-up replay of recent statements has to cover). Column 1 of every
     * row is the publish number of the snapshot the statement read.
     */
    static final List<String> QUERIES = List.of(
            // revenue by region and channel over the last quarter, returns excluded
            withMarker("""
                    SELECT region, channel, count(*) AS orders, sum(amount) AS revenue, avg(quantity) AS avg_quantity
                    FROM sales WHERE sale_date >= DATE '2024-10-01' AND NOT returned
                    GROUP BY region, channel"""),
            // monthly revenue and units by category for the current year
            withMarker("""
                    SELECT date_trunc('month', sale_date) AS month, category, sum(amount) AS revenue,
                           sum(quantity) AS units
                    FROM sales WHERE sale_date >= DATE '2024-01-01'
                    GROUP BY month, category"""),
            // the 20 best-selling products of the web shop, by region
            withMarker("""
                    SELECT product, region, sum(amount) AS revenue, count(*) AS orders
                    FROM sales WHERE channel = 'web' AND NOT returned
                    GROUP BY product, region ORDER BY revenue DESC LIMIT 20"""));

    /** Files ready to publish, {@code paths.get(i)} holding publish {@code i + 1}, and what making them took. */
    record ReadyFiles(List<Path> paths, double totalSeconds, double maxSeconds) {

        double secondsPerFile() {
            return paths.isEmpty() ? 0 : totalSeconds / paths.size();
        }
    }

    private DashboardSnapshot() {
    }

    private static String withMarker(String aggregate) {
        return "SELECT m.publish, t.* FROM marker m CROSS JOIN (" + aggregate + ") t";
    }

    /** Writes the base snapshot (publish 0): {@code rows} sales spread over two years, hashed so they compress like real data. */
    static void createBase(Path file, long rows) throws SQLException {
        try (Connection rw = CoffeeLakehouse.openReadWrite(file); Statement st = rw.createStatement()) {
            st.execute("""
                    CREATE TABLE sales AS
                    SELECT i AS sale_id,
                           DATE '2023-01-01' + (hash(i) % 730)::INTEGER AS sale_date,
                           (['North', 'South', 'East', 'West', 'Central'])[1 + (hash(i + 1) % 5)::INTEGER] AS region,
                           (['web', 'store', 'partner', 'marketplace'])[1 + (hash(i + 2) % 4)::INTEGER] AS channel,
                           'category-' || (hash(i + 3) % 12) AS category,
                           'product-' || (hash(i + 4) % 2000) AS product,
                           (1 + hash(i + 5) % 9)::INTEGER AS quantity,
                           ((hash(i + 6) % 50000) / 100.0)::DECIMAL(12,2) AS amount,
                           hash(i + 7) % 20 = 0 AS returned
                    FROM range(""" + rows + ") r(i)");
            st.execute("CREATE TABLE marker AS SELECT 0::BIGINT AS publish");
            st.execute("CHECKPOINT");
        }
    }

    /**
     * Makes publishes {@code 1..count} ready in {@code directory}, before the timed phase: each is a
     * copy of {@code base} (a new inode), opened read-write to set its marker, checkpointed (no WAL
     * may be left beside it, a rename would lose it), then sealed like the exporter's output (mode
     * 0444, fsynced) so no write-back of these files lands in the timed phase.
     */
    static ReadyFiles writeReadyFiles(Path base, Path directory, int count) throws IOException, SQLException {
        Files.createDirectories(directory);
        long bytes = Files.size(base);
        long needed = (long) (bytes * 1.1) * count;
        long usable = Files.getFileStore(directory).getUsableSpace();
        if (needed > usable) {
            throw new IOException(String.format(Locale.ROOT, "%d ready files of %,d bytes need %,d bytes in %s but "
                    + "only %,d are free; use fewer --rows, a shorter --phase-seconds or a longer --interval-ms",
                    count, bytes, needed, directory, usable));
        }
        List<Path> paths = new ArrayList<>(count);
        double total = 0;
        double max = 0;
        for (int publish = 1; publish <= count; publish++) {
            Path file = directory.resolve(String.format(Locale.ROOT, "publish-%04d.duckdb", publish));
            long start = System.nanoTime();
            writeReadyFile(base, file, publish);
            double seconds = (System.nanoTime() - start) / 1e9;
            total += seconds;
            max = Math.max(max, seconds);
            paths.add(file);
        }
        return new ReadyFiles(paths, total, max);
    }

    private static void writeReadyFile(Path base, Path file, long publish) throws IOException, SQLException {
        Files.copy(base, file);
        try (Connection rw = CoffeeLakehouse.openReadWrite(file); Statement st = rw.createStatement()) {
            st.execute("UPDATE marker SET publish = " + publish);
            st.execute("CHECKPOINT");
        }
        Path wal = file.resolveSibling(file.getFileName() + ".wal");
        if (Files.exists(wal)) {
            throw new IOException("DuckDB left " + wal + " after CHECKPOINT; the renamed file would lose it");
        }
        if (Files.getFileStore(file).supportsFileAttributeView(PosixFileAttributeView.class)) {
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("r--r--r--"));
        }
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            channel.force(true);
        }
    }
}
