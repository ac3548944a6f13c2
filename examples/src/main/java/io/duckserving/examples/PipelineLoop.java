package io.duckserving.examples;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * The pipeline side of the demo: every interval, one run that holds the lakehouse's write
 * lock while it lands and transforms a trading day, then one export that publishes it.
 */
final class PipelineLoop implements Runnable {

    private final PublishedLakehouse lakehouse;
    private final Duration interval;
    private final long deadlineNanos;
    private final PublishLog publishLog;
    private final DemoStats stats;
    final LongAdder runsPublished = new LongAdder();
    final AtomicLong longestExportNanos = new AtomicLong();
    final AtomicLong totalExportNanos = new AtomicLong();
    final AtomicLong totalPipelineNanos = new AtomicLong();

    PipelineLoop(PublishedLakehouse lakehouse, Duration interval, long deadlineNanos, PublishLog publishLog,
            DemoStats stats) {
        this.lakehouse = lakehouse;
        this.interval = interval;
        this.deadlineNanos = deadlineNanos;
        this.publishLog = publishLog;
        this.stats = stats;
    }

    @Override
    public void run() {
        long next = System.nanoTime() + interval.toNanos();
        while (true) {
            long wait = next - System.nanoTime();
            if (next >= deadlineNanos) {
                return;
            }
            if (wait > 0 && !sleep(wait)) {
                return;
            }
            // A slow run is followed at once by the next one, not by a burst of catch-up runs.
            next = Math.max(next + interval.toNanos(), System.nanoTime());
            try {
                PublishedLakehouse.Publication p = lakehouse.publishNextRun();
                publishLog.published(p.run().runId(), System.nanoTime());
                runsPublished.increment();
                long exportNanos = p.exportTime().toNanos();
                totalExportNanos.addAndGet(exportNanos);
                totalPipelineNanos.addAndGet(p.pipelineTime().toNanos());
                longestExportNanos.accumulateAndGet(exportNanos, Math::max);
            } catch (Exception e) {
                stats.pipelineError(e);
            }
        }
    }

    private static boolean sleep(long nanos) {
        try {
            TimeUnit.NANOSECONDS.sleep(nanos);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
