package io.duckserving.jdbc.snapshot;

import java.util.List;

/**
 * How one connection follows new snapshots: how often it checks the path, how long it waits for
 * an open, how soon a failed file is retried, how stale it may read, and what it contributes to
 * warming a new snapshot. Connections of one {@link SnapshotKey} may follow with different
 * policies; what the registry does on its own (the periodic check, a warm-up) takes the most
 * demanding value among its connections.
 *
 * @param checkIntervalNanos 0 checks the path before every statement; more rate-limits the check
 * @param retryIntervalNanos how long a file that failed to open is left alone
 * @param maxStalenessNanos 0, or how long the newest file may fail before statements fail too
 * @param openTimeoutNanos how long a statement waits for a new file to open (at least 1)
 * @param watchIntervalMillis 0 (no background watching at all), or the period of the background
 *        check that backs up the directory watch
 * @param maxLagNanos 0 (strict: a statement never reads a replaced snapshot), or how long after a
 *        new file is noticed statements may still run on the previous snapshot while it opens and warms
 * @param warmUpStatements how many of this connection's most recent distinct read queries a
 *        warm-up of a new snapshot may replay
 * @param warmUpBudgetNanos how long a warm-up may take
 * @param warmUpSql read queries every warm-up runs first
 * @param warmUpMaxCpuPercent a warm-up is skipped while the machine's CPU load is at or above this
 *        (100: never skipped)
 * @param upstream null for a locally published file; else the source that puts the file there,
 *        whose last confirmation {@code maxStalenessNanos} bounds too
 */
public record FollowPolicy(long checkIntervalNanos, long retryIntervalNanos, long maxStalenessNanos,
        long openTimeoutNanos, long watchIntervalMillis, long maxLagNanos, int warmUpStatements,
        long warmUpBudgetNanos, List<String> warmUpSql, int warmUpMaxCpuPercent, Upstream upstream) {
    /** A policy for a locally published file (no upstream). */
    public FollowPolicy(long checkIntervalNanos, long retryIntervalNanos, long maxStalenessNanos,
            long openTimeoutNanos, long watchIntervalMillis, long maxLagNanos, int warmUpStatements,
            long warmUpBudgetNanos, List<String> warmUpSql, int warmUpMaxCpuPercent) {
        this(checkIntervalNanos, retryIntervalNanos, maxStalenessNanos, openTimeoutNanos, watchIntervalMillis,
                maxLagNanos, warmUpStatements, warmUpBudgetNanos, warmUpSql, warmUpMaxCpuPercent, null);
    }

    /** This policy for a file that {@code source} puts at the path. */
    public FollowPolicy withUpstream(Upstream source) {
        return new FollowPolicy(checkIntervalNanos, retryIntervalNanos, maxStalenessNanos, openTimeoutNanos,
                watchIntervalMillis, maxLagNanos, warmUpStatements, warmUpBudgetNanos, warmUpSql, warmUpMaxCpuPercent,
                source);
    }

    public FollowPolicy {
        if (checkIntervalNanos < 0 || retryIntervalNanos < 0 || maxStalenessNanos < 0 || openTimeoutNanos < 1
                || watchIntervalMillis < 0 || maxLagNanos < 0 || warmUpStatements < 0 || warmUpBudgetNanos < 0
                || warmUpMaxCpuPercent < 1 || warmUpMaxCpuPercent > 100) {
            throw new IllegalArgumentException("negative interval or count in a follow policy");
        }
        warmUpSql = List.copyOf(warmUpSql);
    }
}
