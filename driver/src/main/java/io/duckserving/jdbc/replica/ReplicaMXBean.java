package io.duckserving.jdbc.replica;

/**
 * What an operator can alert on, per replicated source: registered in the platform MBean server as
 * {@code io.duckserving:type=Replica,source="s3://bucket/key",directory="..."} when a JVM first
 * replicates the source, unregistered when no connection has used it for 10 seconds. Times are
 * milliseconds; instants are ISO-8601; absent values are empty strings or -1.
 */
public interface ReplicaMXBean {
    /** The replicated object, {@code s3://bucket/key}. */
    String getSource();

    /** The replica directory (the served file is {@code <directory>/<bucket>/<key>}). */
    String getDirectory();

    /** The publish id of the generation installed locally, or empty. */
    String getPublishId();

    /** When the installed generation was published (the manifest's published_at), or empty. */
    String getPublishedAt();

    /** Milliseconds since the store was last seen with the installed generation current, or -1 if never. */
    long getStalenessMillis();

    /** When the store was last seen with the installed generation current, or empty. */
    String getLastSuccessfulPoll();

    /** Manifest polls made by this JVM. */
    long getPolls();

    /** Polls that failed (store unreachable, refused, manifest unreadable, download failed). */
    long getPollFailures();

    /**
     * Generations this JVM downloaded and verified, counted before their handoff and rename (so a
     * reader never sees one not counted yet); not those another JVM sharing the directory installed.
     */
    long getDownloads();

    /** Downloads that failed or were refused (size or SHA-256 not as the manifest says); none of them was installed. */
    long getDownloadFailures();

    /** Bytes received by downloads, failed ones included. */
    long getBytesDownloaded();

    /** How long the last successful download took, or -1. */
    long getLastDownloadMillis();

    /** Why the last poll failed, or empty once a poll succeeded after it. */
    String getLastFailure();

    /** Installed-at minus published-at of the last generation this JVM installed: the publish-to-replica lag, or -1. */
    long getLastPublishToReplicaMillis();
}
