package io.duckserving.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Many readers (plain DriverManager connections and a HikariCP pool in its default configuration)
 * while a new snapshot is renamed over the path every 25 ms.
 */
class SwapStormIT {
    private static final int SWAPS = 120;
    private static final long SWAP_INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(25);
    private static final int ROWS = 1_000;
    private static final int PLAIN_READERS = 6;
    private static final int POOLED_READERS = 6;

    @TempDir
    Path dir;

    private final AtomicInteger published = new AtomicInteger(1);
    private final AtomicBoolean stop = new AtomicBoolean();
    private final Queue<String> errors = new ConcurrentLinkedQueue<>();
    private final AtomicLong reads = new AtomicLong();

    /** How a reader reads: one statement, a prepared statement, or a transaction of two statements. */
    private enum Mode { STATEMENT, PREPARED, TRANSACTION }

    @Test
    void readersSeeNoErrorsNoMixedAndNoStaleReadsThroughASwapStorm() throws Exception {
        Path target = dir.resolve("analytics.duckdb");
        SnapshotFiles.publish(target, 1, ROWS);
        // Written before the storm so that the publisher only renames, on time.
        List<Path> prepared = new ArrayList<>();
        for (int version = 2; version <= SWAPS + 1; version++) {
            Path file = dir.resolve("prepared-" + version + ".duckdb");
            SnapshotFiles.write(file, version, ROWS);
            prepared.add(file);
        }
        String url = SnapshotFiles.url(target);
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(url); // everything else HikariCP's default
        List<Connection> plain = new ArrayList<>();
        List<Thread> readers = new ArrayList<>();
        try (HikariDataSource pool = new HikariDataSource(config)) {
            for (int i = 0; i < PLAIN_READERS; i++) {
                plain.add(DriverManager.getConnection(url));
            }
            int openBefore = ServingDriver.openSnapshots();
            long openedBefore = ServingDriver.snapshotsOpened();
            for (int i = 0; i < PLAIN_READERS; i++) {
                Connection c = plain.get(i);
                Mode mode = Mode.values()[i % 3];
                readers.add(start("plain-" + mode + "-" + i, () -> readPlain(c, mode)));
            }
            for (int i = 0; i < POOLED_READERS; i++) {
                Mode mode = Mode.values()[i % 3];
                readers.add(start("pooled-" + mode + "-" + i, () -> readPooled(pool, mode)));
            }

            long start = System.nanoTime();
            for (int i = 0; i < prepared.size() && errors.isEmpty(); i++) {
                LockSupport.parkNanos(start + (i + 1) * SWAP_INTERVAL_NANOS - System.nanoTime());
                SnapshotFiles.moveOver(prepared.get(i), target);
                published.set(i + 2);
            }
            long stormMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            stop.set(true);
            for (Thread reader : readers) {
                reader.join(30_000);
                assertTrue(!reader.isAlive(), reader.getName() + " did not stop");
            }
            long opened = ServingDriver.snapshotsOpened() - openedBefore;
            System.out.printf("swap storm: %d swaps in %d ms, %d reads, %d snapshots opened%n",
                    published.get() - 1, stormMillis, reads.get(), opened);

            assertTrue(errors.isEmpty(), errors.size() + " errors, first ones:\n" + String.join("\n",
                    errors.stream().limit(10).toArray(String[]::new)));
            // Not a throughput bar (2 cores, other builds): only proof that every reader really ran during the storm.
            assertTrue(reads.get() >= 2L * readers.size(), "readers barely ran: " + reads.get() + " reads");
            int swaps = published.get() - 1;
            assertTrue(opened <= swaps + swaps / 2 + 2, opened + " snapshots opened for " + swaps
                    + " swaps: the driver must open one per swap per JVM, not one per connection");

            // Readers idle now (pooled connections back in the pool, plain ones open): every replaced
            // file must be let go.
            Poll.until(Duration.ofSeconds(10), "no replaced snapshot file held open once the readers are idle",
                    () -> SnapshotFiles.openDeletedFiles(dir).isEmpty());
            Poll.until(Duration.ofSeconds(10), "open snapshots back to at most " + (openBefore + 1)
                    + " (was " + openBefore + " before the storm)", () -> ServingDriver.openSnapshots() <= openBefore + 1);
        } finally {
            stop.set(true);
            for (Connection c : plain) {
                c.close();
            }
        }
    }

    /**
     * Renames back to back, faster than DuckDB can open a file (~15 ms): no open can prove which file
     * it got, and still no statement may read a version older than one published before it started.
     */
    @Test
    void filesArrivingFasterThanAnOpenNeverCauseStaleReads() throws Exception {
        Path target = dir.resolve("burst.duckdb");
        SnapshotFiles.publish(target, 1, ROWS);
        List<Path> prepared = new ArrayList<>();
        for (int version = 2; version <= 61; version++) {
            Path file = dir.resolve("burst-" + version + ".duckdb");
            SnapshotFiles.write(file, version, ROWS);
            prepared.add(file);
        }
        String url = SnapshotFiles.url(target);
        List<Connection> plain = new ArrayList<>();
        List<Thread> readers = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                Connection c = DriverManager.getConnection(url);
                plain.add(c);
                readers.add(start("burst-reader-" + i, () -> readPlain(c, Mode.STATEMENT)));
            }
            for (int i = 0; i < prepared.size(); i++) {
                SnapshotFiles.moveOver(prepared.get(i), target);
                published.set(i + 2);
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(2));
            }
            stop.set(true);
            for (Thread reader : readers) {
                reader.join(30_000);
                assertTrue(!reader.isAlive(), reader.getName() + " did not stop");
            }
            assertTrue(errors.isEmpty(), errors.size() + " errors, first ones:\n" + String.join("\n",
                    errors.stream().limit(10).toArray(String[]::new)));
            for (Connection c : plain) {
                assertEquals(61, SnapshotFiles.readVersion(c), "the first statement after the burst reads the last file");
            }
            Poll.until(Duration.ofSeconds(10), "no replaced file held open after the burst",
                    () -> SnapshotFiles.openDeletedFiles(dir).isEmpty());
        } finally {
            stop.set(true);
            for (Connection c : plain) {
                c.close();
            }
        }
    }

    private interface Loop {
        void run() throws Exception;
    }

    private Thread start(String name, Loop loop) {
        Thread thread = new Thread(() -> {
            try {
                loop.run();
            } catch (Throwable e) {
                errors.add(Thread.currentThread().getName() + ": " + e);
            }
        }, name);
        thread.start();
        return thread;
    }

    private void readPlain(Connection c, Mode mode) throws SQLException {
        int lastSeen = 1;
        try (Statement s = c.createStatement(); PreparedStatement ps = c.prepareStatement(SnapshotFiles.VERSION_QUERY)) {
            if (mode == Mode.TRANSACTION) {
                c.setAutoCommit(false);
            }
            while (!stop.get()) {
                lastSeen = readOnce(c, s, ps, mode, lastSeen);
            }
            if (mode == Mode.TRANSACTION) {
                c.setAutoCommit(true);
            }
        }
    }

    private void readPooled(HikariDataSource pool, Mode mode) throws SQLException {
        int lastSeen = 1;
        while (!stop.get()) {
            try (Connection c = pool.getConnection(); Statement s = c.createStatement();
                 PreparedStatement ps = c.prepareStatement(SnapshotFiles.VERSION_QUERY)) {
                if (mode == Mode.TRANSACTION) {
                    c.setAutoCommit(false);
                }
                lastSeen = readOnce(c, s, ps, mode, lastSeen);
                if (mode == Mode.TRANSACTION) {
                    c.setAutoCommit(true);
                }
            }
        }
    }

    /** One checked read; returns the version seen. Errors are recorded, not thrown, so the storm goes on. */
    private int readOnce(Connection c, Statement s, PreparedStatement ps, Mode mode, int lastSeen) {
        int floor = published.get();
        try {
            int version;
            switch (mode) {
                case PREPARED:
                    try (ResultSet rs = ps.executeQuery()) {
                        version = SnapshotFiles.checkedRead(rs).version;
                    }
                    break;
                case TRANSACTION:
                    version = SnapshotFiles.read(s).version;
                    int again;
                    try (ResultSet rs = ps.executeQuery()) {
                        again = SnapshotFiles.checkedRead(rs).version;
                    }
                    c.commit();
                    if (again != version) {
                        errors.add(Thread.currentThread().getName() + ": one transaction read versions " + version
                                + " and " + again);
                    }
                    break;
                default:
                    version = SnapshotFiles.read(s).version;
            }
            reads.incrementAndGet();
            if (version < floor) {
                errors.add(Thread.currentThread().getName() + ": stale read: version " + version + " after version "
                        + floor + " was published");
            }
            if (version < lastSeen) {
                errors.add(Thread.currentThread().getName() + ": went back from version " + lastSeen + " to " + version);
            }
            return Math.max(version, lastSeen);
        } catch (SQLException | AssertionError e) {
            errors.add(Thread.currentThread().getName() + ": " + e);
            return lastSeen;
        }
    }
}
