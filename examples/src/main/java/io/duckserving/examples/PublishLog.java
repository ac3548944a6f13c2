package io.duckserving.examples;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * When each pipeline run became visible: the moment the exporter returned, i.e. after the
 * rename. Readers compare what a query saw against it to detect stale reads.
 */
final class PublishLog {

    private final ConcurrentHashMap<Integer, Long> publishedAtNanos = new ConcurrentHashMap<>();
    private final AtomicInteger latestRun = new AtomicInteger();

    void published(int runId, long nanos) {
        publishedAtNanos.put(runId, nanos);
        latestRun.accumulateAndGet(runId, Math::max);
    }

    int latestRun() {
        return latestRun.get();
    }

    /**
     * How long a query that started at {@code startNanos} and saw run {@code seenRun} was behind:
     * 0 if no newer run had been published when it started, else the time since the first
     * newer run was published.
     */
    long stalenessNanos(int seenRun, long startNanos) {
        Long next = publishedAtNanos.get(seenRun + 1);
        return next != null && next < startNanos ? startNanos - next : 0;
    }
}
