package io.duckserving.jdbc.snapshot;

/**
 * What an operator can alert on, per followed path and DuckDB configuration: registered in the
 * platform MBean server as {@code io.duckserving:type=SnapshotRegistry,path="...",options="..."}
 * when a path is first used in the JVM, unregistered when nobody has used it for 10 seconds.
 * Times are milliseconds; absent values are null (strings) or -1 (numbers).
 */
public interface SnapshotRegistryMXBean {
    /** The published path, as connections name it. */
    String getPath();

    /** The DuckDB options of this configuration (one registry per path and options). */
    String getOptions();

    /** The file key (device and inode) of the file the current snapshot holds. */
    String getCurrentFileKey();

    /** The exporter's publish id of the current snapshot ({@code serving_meta.publish}), or null. */
    String getCurrentPublishId();

    /** When the current snapshot was published (ISO-8601), or null if it does not say. */
    String getPublishedAt();

    /** Milliseconds since the current snapshot was published, or since it became current if it does not say. */
    long getSnapshotAgeMillis();

    /** Whether the current snapshot holds the file now at the path: false while a newer file is opening or failing. */
    boolean isServingNewestFile();

    /** Snapshots installed after the first one. */
    long getSwaps();

    /** Opens of a published file that failed (each attempt counts). */
    long getFailedOpens();

    /** Why the newest file last failed to open, or null once a file opened after it. */
    String getLastFailure();

    /** Milliseconds since the newest file began failing, or -1 when it is not failing. */
    long getFailingForMillis();

    /** DuckDB databases of this configuration still open: the current one, replaced ones still in use, prepared ones. */
    int getOpenSnapshots();

    /** Open connections of this configuration. */
    int getConnections();

    /** Statements executed by those connections (metadata lookups not counted). */
    long getStatementsExecuted();

    /** How long the last swap's open took, or -1. */
    long getLastOpenMillis();

    /** How long the last swap's warm-up took, or -1. */
    long getLastWarmUpMillis();

    /**
     * How statements check the path: {@code inotify} (an empty event queue proves nothing changed;
     * Java 22+ on Linux with native access, a local file system, no symbolic link on the path) or
     * {@code stat}.
     */
    String getCheckMethod();
}
