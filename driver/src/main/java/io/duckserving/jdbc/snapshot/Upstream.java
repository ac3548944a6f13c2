package io.duckserving.jdbc.snapshot;

import java.sql.SQLException;

/**
 * Where the published file comes from when something other than a local publisher puts it there
 * (an object-storage replica): how long ago that source last confirmed the file current. With
 * {@code serving_max_staleness_ms} set, statements fail once that is longer ago than the bound,
 * as they do when a local file keeps failing to open.
 */
public interface Upstream {
    /**
     * {@link System#nanoTime()} when the source last confirmed the file current. Called before every
     * statement under a staleness bound: it must be a volatile read, nothing more.
     */
    long confirmedNanos();

    /** The exception for a statement once the file is {@code staleNanos} stale, more than {@code maxNanos}. */
    SQLException tooStale(long staleNanos, long maxNanos);
}
