package io.duckserving.examples;

import io.duckserving.exporter.RollbackReport;
import java.io.PrintStream;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * The pipeline side of the demo: every interval, one run that holds the lakehouse's write lock
 * while it lands and transforms a trading day, then one export that publishes it.
 *
 * <p>The first run that starts after a third of the demo is a bad one: a model bug multiplies the
 * front-month settlements by 100. Once a reader has seen it, and {@link #BAD_PUBLISH_SHOWN} later
 * (an operator's reaction, much quicker than a real one), the loop rolls the publish back with
 * {@code Publications.of(snapshot).rollback()}; the next run has the model fixed again.
 */
final class PipelineLoop implements Runnable {

    /** How long the bad publish stays current after a reader has seen it: long enough to show in two status lines. */
    static final Duration BAD_PUBLISH_SHOWN = Duration.ofSeconds(2);
    /** How long the loop waits for a reader to see the bad publish before it rolls back anyway. */
    private static final Duration BAD_PUBLISH_UNSEEN_LIMIT = Duration.ofSeconds(10);

    /** What happened to the bad run; all null if there was none. */
    record Rollback(PublishLog.Change bad, PublishLog.Change rollback, Duration rollbackTime, String notDone) {
    }

    private final PublishedLakehouse lakehouse;
    private final Duration interval;
    private final long startNanos;
    private final long deadlineNanos;
    private final long badRunFromNanos;
    private final PublishLog publishLog;
    private final DemoStats stats;
    private final PrintStream out;
    final LongAdder runsPublished = new LongAdder();
    final AtomicLong longestExportNanos = new AtomicLong();
    final AtomicLong totalExportNanos = new AtomicLong();
    final AtomicLong totalHandoffNanos = new AtomicLong();
    final AtomicLong totalPipelineNanos = new AtomicLong();
    /** The longest run + export so far: a run that would not finish by the deadline is not started. */
    private long longestCycleNanos;
    private volatile Rollback rollback = new Rollback(null, null, null, null);

    PipelineLoop(PublishedLakehouse lakehouse, Duration interval, long startNanos, long deadlineNanos,
            PublishLog publishLog, DemoStats stats, PrintStream out) {
        this.lakehouse = lakehouse;
        this.interval = interval;
        this.startNanos = startNanos;
        this.deadlineNanos = deadlineNanos;
        this.badRunFromNanos = startNanos + (deadlineNanos - startNanos) / 3;
        this.publishLog = publishLog;
        this.stats = stats;
        this.out = out;
    }

    Rollback rollback() {
        return rollback;
    }

    @Override
    public void run() {
        long next = startNanos + interval.toNanos();
        boolean badRunDone = false;
        while (true) {
            if (Math.max(next, System.nanoTime()) + longestCycleNanos > deadlineNanos) {
                break; // the run would still be publishing at the deadline
            }
            long wait = next - System.nanoTime();
            if (wait > 0 && !sleep(wait)) {
                break;
            }
            long runStart = System.nanoTime();
            // A slow run is followed at once by the next one, not by a burst of catch-up runs.
            next = Math.max(next + interval.toNanos(), runStart);
            boolean bad = !badRunDone && runStart >= badRunFromNanos;
            if (bad) {
                badRunDone = true;
                // The bad run, its time on show, the rollback, and a moment for readers to come back.
                long needed = longestCycleNanos + BAD_PUBLISH_SHOWN.toNanos() + interval.toNanos();
                if (runStart + needed > deadlineNanos) {
                    rollback = new Rollback(null, null, null, "--duration too short to show a bad publish"
                            + " and its rollback");
                    bad = false;
                }
            }
            PublishLog.Change change = publish(bad);
            if (change != null && bad) {
                rollBack(change);
                next = System.nanoTime() + interval.toNanos();
            }
        }
        if (rollback.bad() != null && rollback.rollback() == null) {
            rollBack(rollback.bad()); // never leave the bad publish current
        }
    }

    private PublishLog.Change publish(boolean bad) {
        long started = System.nanoTime();
        publishLog.starting(started);
        try {
            PublishedLakehouse.Publication p = lakehouse.publishNextRun(
                    bad ? CoffeeLakehouse.Models.BROKEN_FRONT_MONTH : CoffeeLakehouse.Models.CORRECT);
            long done = System.nanoTime();
            PublishLog.Change change = publishLog.done(bad ? PublishLog.Kind.BAD_PUBLISH : PublishLog.Kind.PUBLISH,
                    p.publishId(), p.run().runId(), started, done);
            runsPublished.increment();
            long exportNanos = p.exportTime().toNanos();
            totalExportNanos.addAndGet(exportNanos);
            totalHandoffNanos.addAndGet(p.handoff().toNanos());
            totalPipelineNanos.addAndGet(p.pipelineTime().toNanos());
            longestExportNanos.accumulateAndGet(exportNanos, Math::max);
            longestCycleNanos = Math.max(longestCycleNanos, done - started);
            if (bad) {
                event(done, "run %d published as %s with a bug: its front-month model multiplies every"
                        + " settlement by 100", p.run().runId(), p.publishId());
            }
            return change;
        } catch (Exception e) {
            publishLog.failed();
            stats.pipelineError(e);
            return null;
        }
    }

    /** Waits until a reader has seen the bad publish, shows it a while, then rolls it back. */
    private void rollBack(PublishLog.Change bad) {
        rollback = new Rollback(bad, null, null, null);
        long unseenLimit = System.nanoTime() + BAD_PUBLISH_UNSEEN_LIMIT.toNanos();
        while (!bad.seen() && System.nanoTime() < unseenLimit && sleep(TimeUnit.MILLISECONDS.toNanos(5))) {
            // a reader's next refresh sees it
        }
        long flagged = System.nanoTime();
        DemoStats.SeenSnapshot seen = bad.firstSeen().get();
        if (seen == null) {
            event(flagged, "no reader saw publish %s within %d s; rolling back anyway", bad.publishId(),
                    BAD_PUBLISH_UNSEEN_LIMIT.toSeconds());
        } else {
            event(flagged, "readers show publish %s: KC front month %,.2f c/lb, but the futures curve says %,.2f:"
                    + " the sanity check flags it", bad.publishId(), seen.frontMonthKc(), seen.curveKc());
            sleep(BAD_PUBLISH_SHOWN.toNanos());
        }
        long started = System.nanoTime();
        publishLog.starting(started);
        try {
            RollbackReport report = lakehouse.rollback();
            long done = System.nanoTime();
            PublishLog.Change previous = previousOf(bad);
            PublishLog.Change change = publishLog.done(PublishLog.Kind.ROLLBACK, report.toPublishId(),
                    previous != null && previous.publishId().equals(report.toPublishId()) ? previous.runId() : -1,
                    started, done);
            rollback = new Rollback(bad, change, report.duration(), null);
            event(done, "Publications.of(%s).rollback(): publish %s (run %d) is current again after %d ms;"
                    + " the next run has the model fixed", lakehouse.snapshot().getFileName(), change.publishId(),
                    change.runId(), report.duration().toMillis());
        } catch (Exception e) {
            publishLog.failed();
            stats.pipelineError(e);
            rollback = new Rollback(bad, null, null, "the rollback failed: " + e);
        }
    }

    /** The change that was current before {@code change}. */
    private PublishLog.Change previousOf(PublishLog.Change change) {
        return change.index() == 0 ? null : publishLog.changes().get(change.index() - 1);
    }

    private void event(long nanos, String format, Object... args) {
        out.printf("  > %4.1f s: %s%n", (nanos - startNanos) / 1e9, String.format(format, args));
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
