package io.duckserving.examples.bench;

import io.duckserving.examples.CoffeeLakehouse;
import io.duckserving.examples.TempFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The driver's cost per statement: {@code jdbc:duckdb-serving:} against DuckDB's own
 * {@code jdbc:duckdb:} opened read-only on the same file, in one JMH run. Both with their
 * default settings, so the serving driver checks the file's identity before every statement.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class DriverBenchmark {

    static final String DUCKDB = "duckdb";
    static final String SERVING = "duckdb-serving";
    /** The serving driver with the file check rate-limited to once per 5 ms ({@code serving_check_interval_ms=5}). */
    static final String SERVING_RATE_LIMITED = "duckdb-serving-5ms";
    static final int ROWS = 1_000_000;
    private static final int KEYS = 1 << 12;

    @Param({DUCKDB, SERVING, SERVING_RATE_LIMITED})
    public String driver;

    private Path directory;
    private Connection connection;
    private PreparedStatement lookup;
    private final long[] keys = new long[KEYS];
    private int next;

    @Setup(Level.Trial)
    public void open() throws Exception {
        directory = Files.createTempDirectory("duckdb-serving-bench");
        Path file = directory.resolve("items.duckdb");
        createItems(file);
        if (SERVING.equals(driver)) {
            connection = DriverManager.getConnection("jdbc:duckdb-serving:" + file);
        } else if (SERVING_RATE_LIMITED.equals(driver)) {
            connection = DriverManager.getConnection("jdbc:duckdb-serving:" + file + ";serving_check_interval_ms=5");
        } else {
            Properties readOnly = new Properties();
            readOnly.setProperty("duckdb.read_only", "true");
            connection = DriverManager.getConnection("jdbc:duckdb:" + file, readOnly);
        }
        lookup = connection.prepareStatement("SELECT name, price FROM items WHERE id = ?");
        SplittableRandom random = new SplittableRandom(42);
        for (int i = 0; i < KEYS; i++) {
            keys[i] = random.nextInt(ROWS);
        }
    }

    @TearDown(Level.Trial)
    public void close() throws SQLException {
        try {
            lookup.close();
            connection.close();
        } finally {
            TempFiles.deleteRecursively(directory);
        }
    }

    /** The smallest statement there is, on a fresh {@code Statement}: all overhead, no work. */
    @Benchmark
    public int select42() throws SQLException {
        try (Statement st = connection.createStatement(); ResultSet rs = st.executeQuery("SELECT 42")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    /** A prepared primary-key lookup, the typical service query. */
    @Benchmark
    public double pointLookup() throws SQLException {
        lookup.setLong(1, keys[next++ & (KEYS - 1)]);
        try (ResultSet rs = lookup.executeQuery()) {
            rs.next();
            return rs.getDouble(2);
        }
    }

    /** A table of {@value #ROWS} rows with a primary key (so lookups use DuckDB's ART index). */
    static void createItems(Path file) throws SQLException {
        try (Connection rw = CoffeeLakehouse.openReadWrite(file);
                Statement st = rw.createStatement()) {
            st.execute("CREATE TABLE items (id BIGINT PRIMARY KEY, name VARCHAR, price DOUBLE)");
            st.execute("INSERT INTO items SELECT i, 'item ' || i, round(i * 0.01, 2) FROM range(" + ROWS + ") t(i)");
            st.execute("CHECKPOINT");
        }
    }
}
