package io.duckserving.examples;

import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Every change of the published file, in order: the first publish, each later publish, and each
 * rollback, with when the call that made it started and returned. Readers check what a query saw
 * against it: a query must see the snapshot made current by the last change that returned before
 * the query started, or one made current since. A rollback makes an earlier publish id current
 * again, so freshness is judged by change, not by publish id or run number.
 *
 * <p>Written by the pipeline thread only, read by every reader.
 */
final class PublishLog {

    /** What made a snapshot current. */
    enum Kind {
        FIRST_PUBLISH, PUBLISH, BAD_PUBLISH, ROLLBACK
    }

    /**
     * One change of the file at the published path; {@code index} 0 is the first publish.
     * {@code seenBy} names the readers that saw this change's snapshot, and {@code firstSeen} is
     * what the first of them read in it.
     */
    record Change(int index, Kind kind, String publishId, int runId, long startedNanos, long doneNanos,
            Set<String> seenBy, AtomicReference<DemoStats.SeenSnapshot> firstSeen) {

        boolean seen() {
            return !seenBy.isEmpty();
        }
    }

    /** What a check decided: fresh or stale (by how long), and the change whose snapshot was seen, if known. */
    record Verdict(long stalenessNanos, Change change, String problem) {
    }

    private final List<Change> changes = new CopyOnWriteArrayList<>();
    /** When the change in progress started, or -1; set before the rename can happen, cleared after the change is logged. */
    private volatile long inFlightSinceNanos = -1;

    /** Called by the pipeline before it starts a publish or a rollback. */
    void starting(long nanos) {
        inFlightSinceNanos = nanos;
    }

    /** Called by the pipeline once the publish or rollback returned: readers may have seen it before. */
    Change done(Kind kind, String publishId, int runId, long startedNanos, long doneNanos) {
        Change c = new Change(changes.size(), kind, publishId, runId, startedNanos, doneNanos,
                ConcurrentHashMap.newKeySet(), new AtomicReference<>());
        changes.add(c);
        inFlightSinceNanos = -1;
        return c;
    }

    /** Called by the pipeline when a change failed: nothing was made current. */
    void failed() {
        inFlightSinceNanos = -1;
    }

    List<Change> changes() {
        return List.copyOf(changes);
    }

    /** The latest change that some reader has seen, or the first publish. */
    Change latestSeen() {
        for (int i = changes.size() - 1; i > 0; i--) {
            if (changes.get(i).seen()) {
                return changes.get(i);
            }
        }
        return changes.get(0);
    }

    /**
     * Judges a query by {@code reader} that started at {@code startNanos}, returned at
     * {@code endNanos} and saw {@code snapshot}; records which change it saw.
     */
    Verdict check(String reader, DemoStats.SeenSnapshot snapshot, long startNanos, long endNanos) {
        long inFlight = inFlightSinceNanos; // read before the changes: see the end of this method
        List<Change> log = changes;
        String publishId = snapshot.publishId();
        int current = -1; // the last change that returned before the query started
        for (int i = log.size() - 1; i >= 0; i--) {
            if (log.get(i).doneNanos() < startNanos) {
                current = i;
                break;
            }
        }
        if (current >= 0 && log.get(current).publishId().equals(publishId)) {
            return seen(log.get(current), reader, snapshot);
        }
        // A change that started before the query returned may have renamed its file in time.
        for (int j = current + 1; j < log.size(); j++) {
            Change c = log.get(j);
            if (c.startedNanos() < endNanos && c.publishId().equals(publishId)) {
                return seen(c, reader, snapshot);
            }
        }
        for (int i = current; i >= 0; i--) {
            if (log.get(i).publishId().equals(publishId)) {
                // Made current by change i, replaced by change i + 1 before the query started.
                Change replaced = log.get(i + 1);
                return new Verdict(startNanos - replaced.doneNanos(), null, String.format(
                        "stale read: saw publish %s (run %d) %.1f ms after %s %s (run %d) had returned", publishId,
                        snapshot.runId(), (startNanos - replaced.doneNanos()) / 1e6, describe(replaced.kind()),
                        replaced.publishId(), replaced.runId()));
            }
        }
        // Not logged yet: the change in flight renamed it before returning. The pipeline sets
        // inFlightSinceNanos before its rename and clears it only after logging the change, so
        // a reader that finds it cleared here finds the change in the log it read afterwards.
        if (inFlight >= 0) {
            return new Verdict(0, null, null);
        }
        return new Verdict(0, null, "saw publish " + publishId + " (run " + snapshot.runId()
                + "), which was never made current");
    }

    private static Verdict seen(Change change, String reader, DemoStats.SeenSnapshot snapshot) {
        if (change.seenBy().add(reader)) {
            change.firstSeen().compareAndSet(null, snapshot);
        }
        return new Verdict(0, change, null);
    }

    static String describe(Kind kind) {
        return switch (kind) {
            case FIRST_PUBLISH -> "the first publish of";
            case PUBLISH -> "the publish of";
            case BAD_PUBLISH -> "the bad publish of";
            case ROLLBACK -> "the rollback to";
        };
    }
}
