package io.duckserving.examples.bench;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Reader threads, each with its own connection, running the dashboard queries back to back (a
 * dashboard refreshing its tiles as fast as it can), rotating through
 * {@link DashboardSnapshot#QUERIES} as prepared statements, as BI tools send them. Every
 * statement is recorded, into the {@link PhaseLog} current when it started, with its start, end
 * and the publish number it read.
 */
final class DashboardReaders implements AutoCloseable {

    /** Opens one reader's connection; each reader gets its own. */
    @FunctionalInterface
    interface ConnectionSource {
        Connection open() throws SQLException;
    }

    /** One statement: {@link System#nanoTime()} at its start and after its last row, and the publish it read. */
    record Sample(long startNanos, long endNanos, long publish) {

        long latencyNanos() {
            return endNanos - startNanos;
        }
    }

    /**
     * The statements of one phase. Each reader appends to its own list only; read the lists
     * after {@link #close()} (which joins the readers).
     */
    static final class PhaseLog {
        private final List<List<Sample>> perReader = new ArrayList<>();
        private final AtomicLong failures = new AtomicLong();
        private final AtomicReference<String> firstFailure = new AtomicReference<>();

        PhaseLog(int readers) {
            for (int r = 0; r < readers; r++) {
                perReader.add(new ArrayList<>());
            }
        }

        List<Sample> samples() {
            List<Sample> all = new ArrayList<>();
            perReader.forEach(all::addAll);
            return all;
        }

        long failures() {
            return failures.get();
        }

        /** The first failure's message, or null. */
        String firstFailure() {
            return firstFailure.get();
        }

        private void fail(SQLException e) {
            failures.incrementAndGet();
            firstFailure.compareAndSet(null, e.getMessage());
        }
    }

    /** After a failed statement a reader pauses, so a broken connection does not spin through millions of failures. */
    private static final long PAUSE_AFTER_FAILURE_MILLIS = 10;

    private final List<Connection> connections;
    private final List<Thread> threads = new ArrayList<>();
    private final AtomicLongArray lastPublishRead;
    private volatile PhaseLog log;
    private volatile boolean stopping;

    private DashboardReaders(List<Connection> connections) {
        this.connections = connections;
        this.lastPublishRead = new AtomicLongArray(connections.size());
    }

    /** Opens {@code readers} connections (failing as the driver fails, e.g. on a refused URL option); no thread runs yet. */
    static DashboardReaders open(int readers, ConnectionSource source) throws SQLException {
        List<Connection> connections = new ArrayList<>();
        try {
            for (int r = 0; r < readers; r++) {
                connections.add(source.open());
            }
        } catch (SQLException e) {
            for (Connection c : connections) {
                try {
                    c.close();
                } catch (SQLException suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            throw e;
        }
        return new DashboardReaders(connections);
    }

    int size() {
        return connections.size();
    }

    /** Starts the readers, recording into {@code first}. */
    void start(PhaseLog first) {
        log = first;
        for (int r = 0; r < connections.size(); r++) {
            int reader = r;
            Thread t = new Thread(() -> read(reader), "dashboard-reader-" + r);
            t.setDaemon(true);
            threads.add(t);
            t.start();
        }
    }

    /** From now on, statements that start are recorded into {@code next}. */
    void record(PhaseLog next) {
        log = next;
    }

    /**
     * Waits until every reader has finished a statement that read publish {@code publish} or a
     * later one; false if that took longer than {@code timeout}.
     */
    boolean awaitAllRead(long publish, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            boolean all = true;
            for (int r = 0; r < lastPublishRead.length(); r++) {
                all &= lastPublishRead.get(r) >= publish;
            }
            if (all) {
                return true;
            }
            Thread.sleep(1);
        }
        return false;
    }

    private void read(int reader) {
        Connection connection = connections.get(reader);
        List<PreparedStatement> statements = new ArrayList<>();
        try {
            for (String sql : DashboardSnapshot.QUERIES) {
                statements.add(connection.prepareStatement(sql));
            }
        } catch (SQLException e) {
            log.fail(e);
            return;
        }
        try {
            // Readers start on different tiles, so both drivers see all queries at any moment.
            for (long n = reader; !stopping; n++) {
                PhaseLog current = log;
                PreparedStatement statement = statements.get((int) (n % statements.size()));
                long start = System.nanoTime();
                try (ResultSet rs = statement.executeQuery()) {
                    long publish = -1;
                    while (rs.next()) {
                        publish = rs.getLong(1);
                    }
                    long end = System.nanoTime();
                    current.perReader.get(reader).add(new Sample(start, end, publish));
                    lastPublishRead.set(reader, publish);
                } catch (SQLException e) {
                    current.fail(e);
                    pause();
                }
            }
        } finally {
            for (PreparedStatement statement : statements) {
                try {
                    statement.close();
                } catch (SQLException ignored) {
                    // the connection closes next
                }
            }
        }
    }

    private static void pause() {
        try {
            Thread.sleep(PAUSE_AFTER_FAILURE_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Stops the readers after their statement in flight, then closes their connections. */
    @Override
    public void close() throws SQLException, InterruptedException {
        stopping = true;
        for (Thread t : threads) {
            t.join();
        }
        SQLException failure = null;
        for (Connection c : connections) {
            try {
                c.close();
            } catch (SQLException e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }
}
