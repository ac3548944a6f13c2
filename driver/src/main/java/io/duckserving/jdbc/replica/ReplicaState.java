package io.duckserving.jdbc.replica;

import java.time.Instant;

/**
 * What the replica directory holds for one source, as written to {@code .<name>.replica.json}
 * beside the served file: which generation is installed, and when the store was last seen with
 * this generation current (so a JVM that starts during an outage knows how stale it is).
 */
record ReplicaState(String source, String publishId, String sha256, long size, String etag, Instant publishedAt,
        Instant installedAt, long lastSuccessfulPollMillis) {
    ReplicaState withLastSuccessfulPoll(long millis) {
        return new ReplicaState(source, publishId, sha256, size, etag, publishedAt, installedAt, millis);
    }

    boolean holds(Manifest m) {
        return publishId.equals(m.publishId()) && sha256.equals(m.sha256()) && size == m.size();
    }
}
