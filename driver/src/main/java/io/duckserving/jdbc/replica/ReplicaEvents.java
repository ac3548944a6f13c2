package io.duckserving.jdbc.replica;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;

/** The replica's flight-recorder events (JDK Flight Recorder, off unless a recording enables them). */
final class ReplicaEvents {
    private ReplicaEvents() {
    }

    /** A generation's object was downloaded and verified, or refused ({@code failure} says why): the download only, not its handoff. */
    @Name("io.duckserving.ReplicaDownload")
    @Label("Replica Download")
    @Category({"duckdb-serving"})
    @Description("A generation downloaded from object storage into a local replica")
    static final class Download extends Event {
        @Label("Source")
        String source;
        @Label("Publish Id")
        String publishId;
        @Label("Object Key")
        String objectKey;
        @Label("Size")
        @DataAmount
        long size;
        @Label("Failure")
        @Description("Why the download was refused or failed (it was not installed), or null once verified")
        String failure;
    }
}
