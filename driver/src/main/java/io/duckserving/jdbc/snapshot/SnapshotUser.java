package io.duckserving.jdbc.snapshot;

import java.util.List;

/** What a registry needs of a connection that uses its snapshots, and nothing more. */
interface SnapshotUser {
    /** A newer snapshot replaced {@code retired}: let go of it now unless busy, in a transaction or pinned. */
    void releaseIfIdle(Snapshot retired);

    FollowPolicy policy();

    /** Adds this connection's most recent distinct read queries to {@code sink}, for a warm-up. */
    void recentQueries(List<RecentQuery> sink);
}
