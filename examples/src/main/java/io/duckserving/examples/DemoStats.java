package io.duckserving.examples;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;

/** Counters shared by the demo's readers and pipeline; all thread-safe. */
final class DemoStats {

    private static final int ERRORS_KEPT = 10;

    /** What the newest snapshot seen by any reader says about itself. */
    record SeenSnapshot(int runId, String publishId, long publishedAtEpochMillis) {
    }

    final LongAdder queries = new LongAdder();
    final LongAdder readerErrors = new LongAdder();
    final LongAdder staleReads = new LongAdder();
    final LongAdder pipelineErrors = new LongAdder();
    final AtomicLong worstStalenessNanos = new AtomicLong();
    final Set<String> publishIdsSeen = ConcurrentHashMap.newKeySet();
    private final AtomicReference<SeenSnapshot> newestSeen = new AtomicReference<>(new SeenSnapshot(0, "-", 0));
    private final List<String> firstErrors = new ArrayList<>();

    void readerError(String reader, Exception e) {
        readerErrors.increment();
        keep(reader + ": " + e);
    }

    void readerError(String reader, String problem) {
        readerErrors.increment();
        keep(reader + ": " + problem);
    }

    void pipelineError(Exception e) {
        pipelineErrors.increment();
        keep("pipeline: " + e);
    }

    void staleness(String reader, int seenRun, long nanos) {
        if (nanos > 0) {
            staleReads.increment();
            keep(String.format("%s: stale read: run %d was seen %.1f ms after run %d had been published",
                    reader, seenRun, nanos / 1e6, seenRun + 1));
            worstStalenessNanos.accumulateAndGet(nanos, Math::max);
        }
    }

    void saw(SeenSnapshot snapshot) {
        publishIdsSeen.add(snapshot.publishId());
        newestSeen.accumulateAndGet(snapshot, (a, b) -> b.runId() > a.runId() ? b : a);
    }

    SeenSnapshot newestSeen() {
        return newestSeen.get();
    }

    synchronized List<String> firstErrors() {
        return List.copyOf(firstErrors);
    }

    private synchronized void keep(String message) {
        if (firstErrors.size() < ERRORS_KEPT) {
            firstErrors.add(message);
        }
    }
}
