package io.duckserving.examples;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/** Counters shared by the demo's readers and pipeline; all thread-safe. */
final class DemoStats {

    private static final int ERRORS_KEPT = 10;

    /**
     * What a snapshot said about itself to a reader's probe: its run, publish id and time, and the
     * arabica (KC) front-month settlement of its last day twice: from the front-month model that
     * the price chart shows, and from the futures curve, read straight from the landed data.
     */
    record SeenSnapshot(int runId, String publishId, long publishedAtEpochMillis, BigDecimal frontMonthKc,
            BigDecimal curveKc) {

        /**
         * The reader's sanity check: the two must agree. A model bug that multiplies the price
         * chart by 100 shows here as a front month 100 times the curve.
         */
        boolean bad() {
            return frontMonthKc == null || curveKc == null || frontMonthKc.compareTo(curveKc) != 0;
        }
    }

    final LongAdder queries = new LongAdder();
    final LongAdder readerErrors = new LongAdder();
    final LongAdder staleReads = new LongAdder();
    final LongAdder pipelineErrors = new LongAdder();
    /** Refreshes whose numbers failed the reader's sanity check ({@link SeenSnapshot#bad()}). */
    final LongAdder badRefreshes = new LongAdder();
    final AtomicLong worstStalenessNanos = new AtomicLong();
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

    /** Records what {@link PublishLog#check} decided about one query. */
    void checked(String reader, PublishLog.Verdict verdict) {
        if (verdict.stalenessNanos() > 0) {
            staleReads.increment();
            keep(reader + ": " + verdict.problem());
            worstStalenessNanos.accumulateAndGet(verdict.stalenessNanos(), Math::max);
        } else if (verdict.problem() != null) {
            readerError(reader, verdict.problem());
        }
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
