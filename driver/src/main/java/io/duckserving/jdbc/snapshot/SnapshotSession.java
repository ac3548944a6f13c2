package io.duckserving.jdbc.snapshot;

import java.sql.SQLException;
import java.sql.SQLWarning;
import java.util.concurrent.atomic.AtomicInteger;
import org.duckdb.DuckDBConnection;

/**
 * One DuckDB connection on one {@link Snapshot}, with the logical connection's session state
 * replayed on it. The logical connection holds one reference while it uses it, each open result
 * set one more, so a result set keeps reading its snapshot after the connection has moved on.
 */
public final class SnapshotSession {
    final Snapshot snapshot;
    public final DuckDBConnection duck;
    /** Session settings the snapshot refused when they were replayed, or null. */
    final SQLWarning replayWarnings;
    private final AtomicInteger references = new AtomicInteger(1);

    private SnapshotSession(Snapshot snapshot, DuckDBConnection duck, SQLWarning replayWarnings) {
        this.snapshot = snapshot;
        this.duck = duck;
        this.replayWarnings = replayWarnings;
    }

    /**
     * A session on {@code snapshot} with {@code state} replayed, or null if the snapshot closed
     * meanwhile; {@code strict}: fail on a refused setting (see {@link SessionState#replay}).
     */
    static SnapshotSession open(Snapshot snapshot, SessionState state, boolean strict) throws SQLException {
        DuckDBConnection duck = snapshot.connect();
        if (duck == null) {
            return null;
        }
        SQLWarning warnings;
        try {
            warnings = state.replay(duck, strict);
        } catch (SQLException | RuntimeException e) {
            try {
                duck.close();
            } catch (SQLException closing) {
                e.addSuppressed(closing);
            }
            snapshot.release();
            throw e;
        }
        return new SnapshotSession(snapshot, duck, warnings);
    }

    /** Only while the caller already holds a reference. */
    public void retain() {
        references.incrementAndGet();
    }

    public void release() {
        if (references.decrementAndGet() == 0) {
            try {
                duck.close();
            } catch (SQLException ignored) {
                // The snapshot's reference is what matters; DuckDB frees the connection either way.
            } finally {
                snapshot.release();
            }
        }
    }
}
