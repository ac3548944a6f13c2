package io.duckserving.jdbc;

import io.duckserving.jdbc.replica.Replica;
import io.duckserving.jdbc.replica.Replicas;
import io.duckserving.jdbc.snapshot.PropertyNames;
import io.duckserving.jdbc.snapshot.Upstream;
import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One connection's share of an object-storage replica, and the replica as the engine's
 * {@link Upstream}: the only place the JDBC layer meets the replica package, loaded for
 * {@code s3://} URLs only (so a local-file connection never loads replica or AWS SDK classes).
 */
final class ReplicaLease implements AutoCloseable {
    private static final String CONNECTION_FAILURE = "08006";

    private final Replica replica;
    private final AtomicBoolean released = new AtomicBoolean();

    private ReplicaLease(Replica replica) {
        this.replica = replica;
    }

    /** The replica of the URL's source, its first generation downloaded if none was there. */
    static ReplicaLease acquire(ServingUrl url) throws SQLException {
        return new ReplicaLease(Replicas.acquire(url.source, url.s3Options, url.replicaDirectory, url.pollIntervalMillis,
                url.replicaHandoffMillis));
    }

    Upstream upstream() {
        Replica r = replica;
        return new Upstream() {
            @Override
            public long confirmedNanos() {
                return r.lastSuccessNanos();
            }

            @Override
            public SQLException tooStale(long staleNanos, long maxNanos) {
                return new SQLNonTransientConnectionException(r.stalenessMessage(TimeUnit.NANOSECONDS.toMillis(staleNanos),
                        TimeUnit.NANOSECONDS.toMillis(maxNanos), PropertyNames.MAX_STALENESS_MS), CONNECTION_FAILURE);
            }
        };
    }

    @Override
    public void close() {
        if (released.compareAndSet(false, true)) {
            Replicas.release(replica);
        }
    }
}
