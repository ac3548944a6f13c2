package io.duckserving.jdbc.snapshot;

/**
 * How one connection follows new snapshots: how often it checks the path, how long it waits for
 * an open, how soon a failed file is retried, and how stale it may read. Connections of one
 * {@link SnapshotKey} may follow with different policies.
 *
 * @param checkIntervalNanos 0 checks the path before every statement; more rate-limits the check
 * @param retryIntervalNanos how long a file that failed to open is left alone
 * @param maxStalenessNanos 0, or how long the newest file may fail before statements fail too
 * @param openTimeoutNanos how long a statement waits for a new file to open (at least 1)
 * @param watchIntervalMillis 0, or the period of the background check of the path
 */
public record FollowPolicy(long checkIntervalNanos, long retryIntervalNanos, long maxStalenessNanos,
        long openTimeoutNanos, long watchIntervalMillis) {
    public FollowPolicy {
        if (checkIntervalNanos < 0 || retryIntervalNanos < 0 || maxStalenessNanos < 0 || openTimeoutNanos < 1
                || watchIntervalMillis < 0) {
            throw new IllegalArgumentException("negative interval in " + this);
        }
    }
}
