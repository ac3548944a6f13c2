package io.duckserving.jdbc.snapshot;

import java.nio.file.Path;
import java.sql.SQLException;
import java.sql.SQLWarning;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.logging.Logger;
import org.duckdb.DuckDBConnection;

/**
 * Which snapshot session one logical connection uses, and when it moves. Before each statement it
 * binds to the newest snapshot (unless a transaction or a temporary object pins it), replaying the
 * session state there; between statements, when a newer snapshot appears, it lets go of the old
 * one at once.
 *
 * <p>The lock is held for one statement execution: it serializes use of the DuckDB connection
 * underneath (which is not thread-safe) and tells the registry whether the connection is idle.
 * The registry only ever {@code tryLock}s it, so it never waits for a statement.
 */
public final class SnapshotBinding implements SnapshotUser {
    private static final Logger LOG = Logger.getLogger(Engine.LOGGER_NAME);

    private final SnapshotRegistry registry;
    private final SnapshotKey key;
    private final FollowPolicy settings;
    private final ReentrantLock lock = new ReentrantLock();
    private final SessionState state = new SessionState();
    /** This connection's most recent distinct read queries, for warming the next snapshot. */
    private final RecentQueries recent;
    private volatile SnapshotSession session;
    private volatile boolean closed;
    /** Set once the first session is open: until then the URL's session options must all apply. */
    private boolean connected;
    private boolean autoCommit = true;
    /** A transaction is open (autocommit off and a statement ran, or BEGIN in SQL): stay on this snapshot. */
    private boolean inTransaction;
    /** Temporary objects exist: stay on this snapshot. */
    private boolean pinned;
    /** Warnings about pins and moves, for the connection to pass on; guarded by itself, not the lock. */
    private final Object warningsLock = new Object();
    private SQLWarning warnings;

    public SnapshotBinding(SnapshotKey key, FollowPolicy settings, java.util.List<String> sessionSql, boolean autoCommit)
            throws SQLException {
        this.key = key;
        this.settings = settings;
        this.recent = new RecentQueries(settings.warmUpStatements());
        this.autoCommit = autoCommit;
        state.setAutoCommit(autoCommit);
        for (String sql : sessionSql) {
            state.recordSql(sql);
        }
        this.registry = SnapshotRegistry.register(key, this);
        try {
            enter(false);
            connected = true;
            exit();
        } catch (SQLException | RuntimeException e) {
            registry.unregister(this);
            throw e;
        }
    }

    /** Binds to the snapshot the next statement must use and takes the lock; paired with {@link #exit()}. */
    private SnapshotSession enter(boolean execution) throws SQLException {
        lock.lock();
        try {
            if (closed) {
                throw SqlStates.closed("Connection");
            }
            SnapshotSession s = session;
            if (s == null || !inTransaction && !pinned) {
                Snapshot current = registry.current(settings);
                if (s == null || s.snapshot != current) {
                    s = moveTo(current, s);
                }
            }
            if (execution && !autoCommit) {
                inTransaction = true;
            }
            return s;
        } catch (SQLException | RuntimeException e) {
            lock.unlock();
            throw e;
        }
    }

    private void exit() {
        lock.unlock();
        SnapshotSession s = session;
        if (s != null && s.snapshot.isRetired()) {
            releaseIfIdle(s.snapshot);
        }
    }

    /**
     * Valid while open and a snapshot can be served; also moves an idle pooled connection to the
     * newest one. A connection busy with a statement for longer than the timeout is alive.
     */
    public boolean isValid(int timeoutSeconds) {
        try {
            if (!lock.tryLock(timeoutSeconds == 0 ? Long.MAX_VALUE : timeoutSeconds, TimeUnit.SECONDS)) {
                return !closed;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
        try {
            enter(false);
            exit();
            return true;
        } catch (SQLException e) {
            return false;
        } finally {
            lock.unlock();
        }
    }

    /** Work done on one snapshot session while the connection is bound to it. */
    public interface Work<T> {
        T on(SnapshotSession session) throws SQLException;
    }

    /**
     * The one way in: binds to the snapshot a statement starting now must use (see
     * {@link #enter}), runs {@code work} on it with the lock held, turns DuckDB's errors into
     * SQLStates, and lets go. An {@code execution} with autocommit off starts a transaction;
     * preparing and metadata lookups do not.
     */
    public <T> T run(boolean execution, Work<T> work) throws SQLException {
        SnapshotSession s = enter(execution);
        if (execution) {
            registry.countStatement();
        }
        try {
            return work.on(s);
        } catch (SQLException e) {
            throw SqlStates.translate(e);
        } finally {
            exit();
        }
    }

    private SnapshotSession moveTo(Snapshot current, SnapshotSession old) throws SQLException {
        while (true) {
            SnapshotSession fresh;
            try {
                fresh = SnapshotSession.open(current, state, !connected);
            } catch (SQLException e) {
                if (old == null) {
                    throw SqlStates.translate(e);
                }
                // Never fail a reader over a move: stay where we are, and try again at the next statement.
                LOG.warning(() -> registry.path() + ": a connection stays on " + old.snapshot + " for now: "
                        + e.getMessage());
                return old;
            }
            if (fresh != null) {
                session = fresh;
                if (old != null) {
                    old.release();
                }
                if (fresh.replayWarnings != null) {
                    LOG.warning(() -> registry.path() + ": moving a connection to " + fresh.snapshot + " dropped "
                            + "session settings: " + fresh.replayWarnings.getMessage());
                    addWarnings(fresh.replayWarnings);
                }
                return fresh;
            }
            current = registry.current(settings); // the snapshot closed between lookup and connect
        }
    }

    /**
     * After a successful execution (lock held): a read query is remembered, with its parameters
     * and the session it ran in, so a warm-up of the next snapshot can run it again.
     */
    public void recordQuery(String sql, Parameters parameters) {
        recent.record(sql, parameters, state.frozen(), System.nanoTime());
    }

    /** Whether this connection's read queries are recorded for warm-ups at all ({@code serving_warmup_statements} > 0). */
    public boolean recordsQueries() {
        return settings.warmUpStatements() > 0;
    }

    @Override
    public FollowPolicy policy() {
        return settings;
    }

    @Override
    public void recentQueries(java.util.List<RecentQuery> sink) {
        recent.copyTo(sink);
    }

    /** After a successful statement (lock held): remembers what it did to the session. */
    public SQLWarning afterExecute(SqlKind kind, String sql, SnapshotSession s) throws SQLException {
        switch (kind) {
            case SESSION:
                state.recordSql(sql);
                return null;
            case CREATE_TEMPORARY:
                return pinned ? null : pin(s, "Temporary objects cannot follow a new snapshot");
            case DROP:
                if (pinned && !TemporaryObjects.exist(s.duck)) {
                    pinned = false;
                }
                return null;
            case BEGIN:
                inTransaction = true;
                return null;
            case END:
                inTransaction = false;
                return null;
            default:
                return null;
        }
    }

    /**
     * After a failed statement (lock held): a script, or a {@code CREATE TEMP}, may have created
     * temporary objects before it failed, and they pin as if it had succeeded.
     */
    public SQLWarning afterFailure(SqlKind kind, SnapshotSession s) {
        if (pinned || kind != SqlKind.CREATE_TEMPORARY && kind != SqlKind.SCRIPT) {
            return null;
        }
        try {
            return TemporaryObjects.exist(s.duck) ? pin(s, "Temporary objects cannot follow a new snapshot") : null;
        } catch (SQLException e) {
            // Cannot tell (an aborted transaction refuses every query): stay rather than lose them.
            return pin(s, "The failed statement may have created temporary objects, which cannot follow a new "
                    + "snapshot");
        }
    }

    private SQLWarning pin(SnapshotSession s, String why) {
        pinned = true;
        String message = why + ": this connection stays on " + s.snapshot + " until they are all dropped.";
        addWarnings(new SQLWarning(message));
        return new SQLWarning(message);
    }

    /** Called by the registry after a swap, and by {@link #exit()} when work ends on a retired snapshot. */
    @Override
    public void releaseIfIdle(Snapshot retired) {
        if (lock.isHeldByCurrentThread() || !lock.tryLock()) {
            return; // busy (or moving right now, in this thread): exit() checks again when the work ends
        }
        try {
            SnapshotSession s = session;
            if (s != null && s.snapshot == retired && !inTransaction && !pinned) {
                session = null;
                s.release();
            }
        } finally {
            lock.unlock();
        }
    }

    public void setAutoCommit(boolean autoCommit) throws SQLException {
        lock.lock();
        try {
            if (closed) {
                throw SqlStates.closed("Connection");
            }
            if (this.autoCommit == autoCommit) {
                return;
            }
            SnapshotSession s = session;
            if (s != null) {
                s.duck.setAutoCommit(autoCommit); // turning it on commits, as JDBC requires
            }
            this.autoCommit = autoCommit;
            state.setAutoCommit(autoCommit);
            if (autoCommit) {
                inTransaction = false;
            }
        } catch (SQLException e) {
            throw SqlStates.translate(e);
        } finally {
            exit();
        }
    }

    public boolean autoCommit() {
        return autoCommit;
    }

    public void endTransaction(boolean commit) throws SQLException {
        lock.lock();
        try {
            if (closed) {
                throw SqlStates.closed("Connection");
            }
            if (autoCommit) {
                throw new SQLException((commit ? "commit" : "rollback") + " called in auto-commit mode: call "
                        + "setAutoCommit(false) first", "25000");
            }
            SnapshotSession s = session;
            if (s != null && inTransaction) {
                if (commit) {
                    s.duck.commit();
                } else {
                    s.duck.rollback();
                }
            }
            inTransaction = false;
        } catch (SQLException e) {
            throw SqlStates.translate(e);
        } finally {
            exit();
        }
    }

    public void recordCatalog(String catalog) {
        state.recordCatalog(catalog);
    }

    public void recordSchema(String schema) {
        state.recordSchema(schema);
    }

    /** Hands over the warnings collected since the last call (without waiting for a running statement). */
    public SQLWarning takeWarnings() {
        synchronized (warningsLock) {
            SQLWarning w = warnings;
            warnings = null;
            return w;
        }
    }

    private void addWarnings(SQLWarning w) {
        synchronized (warningsLock) {
            warnings = SqlStates.chain(warnings, w);
        }
    }

    /** Lets go of the session (rolling back an open transaction) and of the registry; waits for a running statement. */
    public void close() {
        lock.lock();
        try {
            closed = true;
            SnapshotSession s = session;
            session = null;
            if (s != null) {
                if (inTransaction && !autoCommit) {
                    try {
                        s.duck.rollback();
                    } catch (SQLException ignored) {
                        // The DuckDB connection closes next; nothing was written anyway.
                    }
                }
                s.release();
            }
        } finally {
            lock.unlock();
            registry.unregister(this);
        }
    }

    public Path path() {
        return registry.path();
    }

    public boolean instanceSettingsAllowed() {
        return key.options().instanceSettings();
    }

    @Override
    public String toString() {
        SnapshotSession s = session;
        return registry.path() + (s == null ? "" : ", " + s.snapshot);
    }
}
