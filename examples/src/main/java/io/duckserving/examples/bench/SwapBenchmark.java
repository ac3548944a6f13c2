package io.duckserving.examples.bench;

import io.duckserving.examples.CoffeeLakehouse;
import io.duckserving.jdbc.ServingDriver;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReference;

/**
 * What a swap costs readers. Each swap renames a new file (holding its swap number in
 * {@code marker}) over the snapshot while reader threads query it back to back:
 * <ul>
 * <li>latency: from the rename returning to the end of the first statement that saw the new
 * number, and whether any statement that started after the rename saw an older one;</li>
 * <li>DuckDB opens per swap ({@link ServingDriver#snapshotsOpened()}) with many connections.</li>
 * </ul>
 */
public final class SwapBenchmark {

    private static final long WAIT_MILLIS = 30_000;

    /** Results of one series of swaps. */
    public record Result(int connections, int swaps, long[] latencyNanos, long staleStatements, long opens,
            long statements) {

        public double opensPerSwap() {
            return (double) opens / swaps;
        }

        public double latencyMillis(double percentile) {
            long[] sorted = latencyNanos.clone();
            Arrays.sort(sorted);
            int index = (int) Math.min(sorted.length - 1, Math.ceil(percentile / 100 * sorted.length) - 1);
            return sorted[Math.max(0, index)] / 1e6;
        }
    }

    private SwapBenchmark() {
    }

    /** Runs {@code swaps} swaps under {@code connections} reader threads, each with its own connection. */
    public static Result run(Path directory, int connections, int swaps) throws Exception {
        Files.createDirectories(directory);
        Path snapshot = directory.resolve("swap.duckdb");
        writeMarker(snapshot, 0);
        AtomicLongArray renamedAt = new AtomicLongArray(swaps + 2);
        AtomicLongArray firstSeenAt = new AtomicLongArray(swaps + 2);
        AtomicLong stale = new AtomicLong();
        AtomicLong statements = new AtomicLong();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        long[] lastSeen = new long[connections];
        Arrays.fill(lastSeen, -1);
        List<Thread> readers = new ArrayList<>();
        List<Connection> opened = new ArrayList<>();
        try {
            for (int r = 0; r < connections; r++) {
                opened.add(DriverManager.getConnection("jdbc:duckdb-serving:" + snapshot));
            }
            for (int r = 0; r < connections; r++) {
                Connection connection = opened.get(r);
                int reader = r;
                Thread t = new Thread(() -> {
                    try (Statement st = connection.createStatement()) {
                        while (!Thread.currentThread().isInterrupted()) {
                            long start = System.nanoTime();
                            long seen;
                            try (ResultSet rs = st.executeQuery("SELECT v FROM marker")) {
                                rs.next();
                                seen = rs.getLong(1);
                            }
                            long end = System.nanoTime();
                            statements.incrementAndGet();
                            long newer = seen + 1 < renamedAt.length() ? renamedAt.get((int) seen + 1) : 0;
                            if (newer != 0 && newer < start) {
                                stale.incrementAndGet();
                            }
                            if (seen < renamedAt.length()) {
                                firstSeenAt.compareAndSet((int) seen, 0, end);
                            }
                            synchronized (lastSeen) {
                                lastSeen[reader] = seen;
                            }
                        }
                    } catch (SQLException | RuntimeException e) {
                        failure.compareAndSet(null, e);
                    }
                }, "swap-reader-" + r);
                t.start();
                readers.add(t);
            }
            awaitAllSaw(lastSeen, 0, failure);
            long opensBefore = ServingDriver.snapshotsOpened();
            long[] latency = new long[swaps];
            for (int i = 1; i <= swaps; i++) {
                Path next = directory.resolve("next.duckdb");
                writeMarker(next, i);
                Files.move(next, snapshot, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                renamedAt.set(i, System.nanoTime());
                awaitAllSaw(lastSeen, i, failure);
                latency[i - 1] = firstSeenAt.get(i) - renamedAt.get(i);
            }
            long opens = ServingDriver.snapshotsOpened() - opensBefore;
            return new Result(connections, swaps, latency, stale.get(), opens, statements.get());
        } finally {
            readers.forEach(Thread::interrupt);
            for (Thread t : readers) {
                t.join();
            }
            for (Connection c : opened) {
                c.close();
            }
        }
    }

    private static void awaitAllSaw(long[] lastSeen, long swap, AtomicReference<Throwable> failure)
            throws InterruptedException {
        long deadline = System.currentTimeMillis() + WAIT_MILLIS;
        while (true) {
            if (failure.get() != null) {
                throw new IllegalStateException("a reader failed during swap " + swap, failure.get());
            }
            synchronized (lastSeen) {
                if (Arrays.stream(lastSeen).allMatch(v -> v >= swap)) {
                    return;
                }
            }
            if (System.currentTimeMillis() > deadline) {
                throw new IllegalStateException("readers did not see swap " + swap + " within " + WAIT_MILLIS + " ms");
            }
            Thread.sleep(1);
        }
    }

    /** A new, complete snapshot file: written, checkpointed and closed before it is renamed. */
    private static void writeMarker(Path file, long value) throws SQLException {
        try (Connection rw = CoffeeLakehouse.openReadWrite(file);
                Statement st = rw.createStatement()) {
            st.execute("CREATE TABLE marker AS SELECT " + value + "::BIGINT AS v");
            st.execute("CHECKPOINT");
        }
    }
}
