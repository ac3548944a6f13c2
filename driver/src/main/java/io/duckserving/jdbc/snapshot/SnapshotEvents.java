package io.duckserving.jdbc.snapshot;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.Timespan;

/** The engine's flight-recorder events (JDK Flight Recorder, off unless a recording enables them). */
final class SnapshotEvents {
    private SnapshotEvents() {
    }

    /** A new snapshot became current. */
    @Name("io.duckserving.SnapshotSwap")
    @Label("Snapshot Swap")
    @Category({"duckdb-serving"})
    @Description("A newly published file became the current snapshot of a path")
    public static final class Swap extends Event {
        @Label("Path")
        public String path;
        @Label("From File Key")
        public String fromFileKey;
        @Label("To File Key")
        public String toFileKey;
        @Label("Publish Id")
        public String publishId;
        @Label("Open")
        @Timespan(Timespan.NANOSECONDS)
        public long openNanos;
        @Label("Warm-up")
        @Timespan(Timespan.NANOSECONDS)
        public long warmUpNanos;
        @Label("Warm-up Statements")
        public int warmUpStatements;
        @Label("Handed Off")
        @Description("Opened under the exporter's handoff name before the rename")
        public boolean handedOff;
    }

    /** A published file could not be opened; readers kept the last good snapshot. */
    @Name("io.duckserving.FailedOpen")
    @Label("Failed Snapshot Open")
    @Category({"duckdb-serving"})
    public static final class FailedOpen extends Event {
        @Label("Path")
        public String path;
        @Label("File Key")
        public String fileKey;
        @Label("Cause")
        public String cause;
    }
}
