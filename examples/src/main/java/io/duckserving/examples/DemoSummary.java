package io.duckserving.examples;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * What the demo did, checked by DemoIT and printed at the end.
 *
 * @param duration the run asked for ({@code --duration})
 * @param ran from the start of readers and pipeline until the readers stopped: {@code duration},
 *     or longer when a publish was still in flight at the deadline (readers wait for it)
 * @param publishes publishes after the first one, which was made before the readers started
 * @param swaps changes of the published file the readers had to follow: publishes and rollbacks
 * @param swapsSeenByReaders swaps whose snapshot at least one reader saw
 * @param rollback the bad publish and its rollback, or null if the demo made none
 * @param metrics the driver's MBeans for the published path, read through JMX at the end
 * @param health {@code ServingHealth.of(path)} at the end
 */
public record DemoSummary(
        Duration duration,
        Duration ran,
        int readers,
        long queries,
        long publishes,
        Duration publishInterval,
        Duration averagePipelineRun,
        Duration averageExport,
        Duration averageHandoff,
        Duration longestExport,
        Rollback rollback,
        long swaps,
        long swapsSeenByReaders,
        int fewestSwapsSeenByOneReader,
        long snapshotsOpenedByDriver,
        long readerErrors,
        long staleReads,
        Duration worstStaleness,
        long pipelineErrors,
        List<String> firstErrors,
        List<DriverMetrics.Reading> metrics,
        String health) {

    /**
     * The bad publish and its rollback.
     *
     * @param notDone why there was no bad publish or no rollback, or null when both happened
     * @param readersSawBad readers that saw the bad publish
     * @param badRefreshes dashboard refreshes whose sanity check flagged the numbers
     * @param readersBackOnGood readers that saw the rolled-back-to snapshot after the rollback
     * @param current how long the bad publish was current: from its publish to the rollback returning
     */
    public record Rollback(String notDone, int badRunId, String badPublishId, String badFrontMonthKc,
            String badCurveKc, int readersSawBad, long badRefreshes, int goodRunId, String goodPublishId,
            Duration rollbackTime, Duration current, int readersBackOnGood) {

        /** A bad publish was made, seen by readers, rolled back, and every reader came back to the good one. */
        public boolean shown(int readers) {
            return notDone == null && readersSawBad > 0 && readersBackOnGood == readers;
        }
    }

    public double queriesPerSecond() {
        return queries / Math.max(0.001, ran.toNanos() / 1e9);
    }

    /** True when readers never failed, never read a stale or mixed snapshot, and the pipeline never failed. */
    public boolean clean() {
        return readerErrors == 0 && staleReads == 0 && pipelineErrors == 0;
    }

    /** The demo's exit status: clean, swaps were followed, and the rollback was shown unless the run was too short for it. */
    public boolean ok() {
        return clean() && swapsSeenByReaders > 0
                && (rollback == null || rollback.badPublishId() == null || rollback.shown(readers));
    }

    public String describe() {
        StringBuilder b = new StringBuilder();
        b.append("Summary\n");
        Duration extra = ran.minus(duration);
        line(b, "ran", "%.1f s%s", seconds(ran), extra.toMillis() >= 50
                ? String.format(" (%.1f s asked, then %.1f s until the publish in flight returned)", seconds(duration),
                        seconds(extra))
                : "");
        line(b, "queries", "%,d (%,.0f per second) by %d readers", queries, queriesPerSecond(), readers);
        line(b, "publishes", "%d after the first one, which was made before the readers started%s", publishes,
                rollback != null && rollback.badPublishId() != null ? "; 1 of them bad" : "");
        if (publishes > 0) {
            Duration cycle = averagePipelineRun.plus(averageExport);
            line(b, "publish cycle", "%.1f s on average: pipeline run %.1f s, export %.1f s (at most %.1f s), %.1f s"
                    + " of it", seconds(cycle), seconds(averagePipelineRun), seconds(averageExport),
                    seconds(longestExport), seconds(averageHandoff));
            line(b, "", "the handoff (the driver opens and warms the new file before the rename); a run starts");
            line(b, "", "every %.1f s, or as soon as the previous publish returned", seconds(publishInterval));
        }
        if (rollback != null && rollback.badPublishId() != null) {
            line(b, "bad publish", "run %d, publish %s: KC front month %s c/lb, futures curve %s",
                    rollback.badRunId(), rollback.badPublishId(), rollback.badFrontMonthKc(), rollback.badCurveKc());
            line(b, "", "seen by %d of %d readers, whose sanity check flagged %,d refreshes", rollback.readersSawBad(),
                    readers, rollback.badRefreshes());
        }
        if (rollback != null && rollback.goodPublishId() != null) {
            line(b, "rollback", "Publications.rollback() back to publish %s (run %d) in %d ms,",
                    rollback.goodPublishId(), rollback.goodRunId(), rollback.rollbackTime().toMillis());
            line(b, "", "%.1f s after the bad publish; %d of %d readers back on it", seconds(rollback.current()),
                    rollback.readersBackOnGood(), readers);
        } else if (rollback != null && rollback.notDone() != null) {
            line(b, "rollback", "none: %s", rollback.notDone());
        }
        long rollbacks = rollback != null && rollback.goodPublishId() != null ? 1 : 0;
        line(b, "swaps", "%d (%d publishes + %d rollback); readers saw %d together, at least %d each", swaps,
                publishes, rollbacks, swapsSeenByReaders, fewestSwapsSeenByOneReader);
        line(b, "DuckDB opens", "%d by the driver for all %d readers", snapshotsOpenedByDriver, readers);
        line(b, "reader errors", "%d", readerErrors);
        line(b, "stale reads", "%d (worst staleness %.1f ms)", staleReads, worstStaleness.toNanos() / 1e6);
        line(b, "pipeline errors", "%d", pipelineErrors);
        for (String error : firstErrors) {
            b.append("  ! ").append(error).append('\n');
        }
        if (!clean()) {
            b.append("  FAILED: see the errors above.\n");
        } else if (!ok()) {
            b.append("  FAILED: the readers did not follow the bad publish and its rollback (see above).\n");
        } else {
            b.append("  OK: every query succeeded on a whole, current snapshot")
                    .append(rollbacks > 0 ? ", the bad publish included; all readers are back on the good one.\n"
                            : ".\n");
        }
        describeMetrics(b);
        return b.toString();
    }

    private void describeMetrics(StringBuilder b) {
        b.append("Driver metrics, read through JMX as an operator's tool reads them (").append(DriverMetrics.QUERY)
                .append("):\n");
        if (metrics.isEmpty()) {
            b.append("  none registered for the published path\n");
        }
        for (DriverMetrics.Reading reading : metrics) {
            b.append("  ").append(reading.objectName()).append('\n');
            for (Map.Entry<String, Object> e : reading.attributes().entrySet()) {
                Object v = e.getValue();
                b.append(String.format("    %-20s%s%n", e.getKey(),
                        v instanceof Long || v instanceof Integer ? String.format("%,d", v) : v));
            }
        }
        b.append("ServingHealth.of(path): ").append(health).append('\n');
    }

    private static void line(StringBuilder b, String label, String format, Object... args) {
        b.append(String.format("  %-20s%s%n", label, String.format(format, args)));
    }

    private static double seconds(Duration d) {
        return d.toNanos() / 1e9;
    }
}
