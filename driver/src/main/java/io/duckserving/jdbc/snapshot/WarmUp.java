package io.duckserving.jdbc.snapshot;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.duckdb.DuckDBConnection;

/**
 * Warms a newly opened snapshot before readers use it: the idea of PostgreSQL's autoprewarm. A
 * fresh DuckDB instance starts with an empty buffer pool, so the first dashboard queries on it
 * take several times as long; running what readers ran most recently (and the configured warm-up
 * SQL) on a connection of its own loads the same blocks before any reader arrives. Only read
 * queries that succeeded are replayed, each in the session it ran in, within a time budget: a
 * statement still running at the deadline is cancelled.
 */
final class WarmUp {
    private static final Logger LOG = Logger.getLogger(Engine.LOGGER_NAME);

    /** What a warm-up ran, kept on the snapshot for metrics and tests. */
    record Report(List<String> ran, int failed, long nanos, boolean cutShort, boolean skippedBusy) {
        static final Report NONE = new Report(List.of(), 0, 0, false, false);
        static final Report BUSY = new Report(List.of(), 0, 0, false, true);
    }

    private WarmUp() {
    }

    /**
     * The {@code limit} most recent distinct queries of {@code recent} (distinct by SQL text and
     * session settings: connections that ran the same query in equal sessions warm it once), newest first.
     */
    static List<RecentQuery> mostRecent(Collection<RecentQuery> recent, int limit) {
        List<RecentQuery> sorted = new ArrayList<>(recent);
        sorted.sort(Comparator.comparingLong(RecentQuery::ranAtNanos).reversed());
        List<RecentQuery> picked = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (RecentQuery q : sorted) {
            if (picked.size() >= limit) {
                break;
            }
            if (seen.add(q.sql() + '\u0002' + signatureOf(q.session()))) {
                picked.add(q);
            }
        }
        return picked;
    }

    /** Runs {@code sql}, then {@code queries}, on {@code snapshot} until done or {@code budgetNanos} passed. */
    static Report run(Snapshot snapshot, List<String> sql, List<RecentQuery> queries, long budgetNanos,
            ScheduledExecutorService timer, BooleanSupplier givenUp) {
        if (budgetNanos <= 0 || sql.isEmpty() && queries.isEmpty()) {
            return Report.NONE;
        }
        long started = System.nanoTime();
        long deadline = started + budgetNanos;
        AtomicReference<Statement> running = new AtomicReference<>();
        ScheduledFuture<?> stop = timer.schedule(() -> cancel(running.get()), budgetNanos, TimeUnit.NANOSECONDS);
        List<String> ran = new ArrayList<>();
        int failed = 0;
        boolean cutShort = false;
        DuckDBConnection duck = null;
        SessionState sessionOfDuck = null;
        try {
            List<RecentQuery> all = new ArrayList<>();
            for (String s : sql) {
                all.add(new RecentQuery(s, null, null, 0));
            }
            all.addAll(queries);
            for (RecentQuery q : all) {
                if (System.nanoTime() - deadline >= 0 || givenUp.getAsBoolean()) {
                    cutShort = true;
                    break;
                }
                try {
                    if (duck == null || !signatureOf(q.session()).equals(signatureOf(sessionOfDuck))) {
                        close(duck, snapshot);
                        duck = snapshot.connect();
                        if (duck == null) {
                            break; // the snapshot closed: nobody will read it
                        }
                        sessionOfDuck = q.session();
                        if (sessionOfDuck != null) {
                            sessionOfDuck.copy().replay(duck);
                        }
                    }
                    runOne(duck, q, running);
                    ran.add(q.sql());
                } catch (SQLException | RuntimeException e) {
                    failed++;
                    if (System.nanoTime() - deadline >= 0) {
                        cutShort = true;
                        break;
                    }
                    LOG.log(Level.FINE, "warm-up of " + snapshot + " skipped a statement", e);
                }
            }
        } finally {
            stop.cancel(false);
            close(duck, snapshot);
        }
        Report report = new Report(List.copyOf(ran), failed, System.nanoTime() - started, cutShort, false);
        LOG.fine(() -> "Warmed " + snapshot + " with " + report.ran().size() + " statements in "
                + TimeUnit.NANOSECONDS.toMillis(report.nanos()) + " ms" + (report.cutShort() ? " (budget spent)" : ""));
        return report;
    }

    private static String signatureOf(SessionState session) {
        return session == null ? "" : session.signature();
    }

    private static void runOne(DuckDBConnection duck, RecentQuery q, AtomicReference<Statement> running)
            throws SQLException {
        if (q.parameters() == null) {
            try (Statement st = duck.createStatement()) {
                running.set(st);
                try (ResultSet rs = st.executeQuery(q.sql())) {
                    // DuckDB has computed the whole result by now; reading it would only cost time
                } finally {
                    running.set(null);
                }
            }
        } else {
            try (PreparedStatement ps = duck.prepareStatement(q.sql())) {
                q.parameters().applyTo(ps);
                running.set(ps);
                try (ResultSet rs = ps.executeQuery()) {
                    // as above
                } finally {
                    running.set(null);
                }
            }
        }
    }

    private static void cancel(Statement st) {
        if (st != null) {
            try {
                st.cancel();
            } catch (SQLException | RuntimeException ignored) {
                // it ended meanwhile
            }
        }
    }

    /** Closes a connection from {@link Snapshot#connect()} and gives back the reference it took. */
    private static void close(DuckDBConnection duck, Snapshot snapshot) {
        if (duck != null) {
            try {
                duck.close();
            } catch (SQLException ignored) {
                // a warm-up connection holds nothing worth reporting
            } finally {
                snapshot.release();
            }
        }
    }
}
