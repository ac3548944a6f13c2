package io.duckserving.examples.bench;

import io.duckserving.examples.TempFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Arrays;
import java.util.Properties;

/**
 * A cross-check of the JMH ratios that survives a busy machine: both drivers open in one JVM
 * on one file, measured in short alternating rounds (A B, B A, ...), so background load hits
 * both alike; the ratio is the median of the per-round ratios.
 */
final class PairedBenchmark {

    /** Median ratios serving / duckdb, and the median time per statement of each driver. */
    record Result(String statement, double duckdbMicros, double servingMicros, double medianRatio) {
    }

    private interface Op {
        void run() throws SQLException;
    }

    private PairedBenchmark() {
    }

    static Result[] run(int rounds, int opsPerRound) throws Exception {
        Path directory = Files.createTempDirectory("duckdb-serving-paired");
        try {
            Path file = directory.resolve("items.duckdb");
            DriverBenchmark.createItems(file);
            Properties readOnly = new Properties();
            readOnly.setProperty("duckdb.read_only", "true");
            try (Connection duckdb = DriverManager.getConnection("jdbc:duckdb:" + file, readOnly);
                    Connection serving = DriverManager.getConnection("jdbc:duckdb-serving:" + file);
                    PreparedStatement duckdbLookup = duckdb.prepareStatement(LOOKUP);
                    PreparedStatement servingLookup = serving.prepareStatement(LOOKUP)) {
                long[] key = {0};
                return new Result[] {
                    compare("SELECT 42 on a fresh Statement", rounds, opsPerRound,
                            () -> select42(duckdb), () -> select42(serving)),
                    compare("prepared primary-key lookup", rounds, opsPerRound,
                            () -> lookup(duckdbLookup, key[0]++ * 7919 % DriverBenchmark.ROWS),
                            () -> lookup(servingLookup, key[0]++ * 7919 % DriverBenchmark.ROWS)),
                };
            }
        } finally {
            TempFiles.deleteRecursively(directory);
        }
    }

    private static final String LOOKUP = "SELECT name, price FROM items WHERE id = ?";

    private static Result compare(String statement, int rounds, int ops, Op duckdb, Op serving) throws SQLException {
        for (int i = 0; i < 3; i++) { // warm-up rounds, not counted
            time(duckdb, ops);
            time(serving, ops);
        }
        double[] d = new double[rounds];
        double[] s = new double[rounds];
        double[] ratio = new double[rounds];
        for (int r = 0; r < rounds; r++) {
            if (r % 2 == 0) {
                d[r] = time(duckdb, ops);
                s[r] = time(serving, ops);
            } else {
                s[r] = time(serving, ops);
                d[r] = time(duckdb, ops);
            }
            ratio[r] = s[r] / d[r];
        }
        return new Result(statement, median(d), median(s), median(ratio));
    }

    /** Microseconds per operation over {@code ops} operations. */
    private static double time(Op op, int ops) throws SQLException {
        long start = System.nanoTime();
        for (int i = 0; i < ops; i++) {
            op.run();
        }
        return (System.nanoTime() - start) / 1e3 / ops;
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }

    private static void select42(Connection connection) throws SQLException {
        try (Statement st = connection.createStatement(); ResultSet rs = st.executeQuery("SELECT 42")) {
            rs.next();
        }
    }

    private static void lookup(PreparedStatement lookup, long key) throws SQLException {
        lookup.setLong(1, key);
        try (ResultSet rs = lookup.executeQuery()) {
            rs.next();
        }
    }
}
