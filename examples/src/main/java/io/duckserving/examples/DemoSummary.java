package io.duckserving.examples;

import java.time.Duration;
import java.util.List;

/** What the demo did, checked by DemoIT and printed at the end. */
public record DemoSummary(
        Duration ran,
        int readers,
        long queries,
        long runsPublished,
        int swapsSeenByReaders,
        int fewestSwapsSeenByOneReader,
        long readerErrors,
        long staleReads,
        Duration worstStaleness,
        long pipelineErrors,
        Duration averageExport,
        Duration longestExport,
        long snapshotsOpenedByDriver,
        List<String> firstErrors) {

    public double queriesPerSecond() {
        return queries / Math.max(0.001, ran.toNanos() / 1e9);
    }

    /** True when readers never failed, never read a stale or mixed snapshot, and the pipeline never failed. */
    public boolean clean() {
        return readerErrors == 0 && staleReads == 0 && pipelineErrors == 0;
    }

    public String describe() {
        StringBuilder b = new StringBuilder();
        b.append("Summary\n");
        b.append(String.format("  queries             %,d in %.1f s (%,.0f per second) by %d readers%n",
                queries, ran.toNanos() / 1e9, queriesPerSecond(), readers));
        b.append(String.format("  snapshots published %d (export: %d ms on average, %d ms at most)%n",
                runsPublished, averageExport.toMillis(), longestExport.toMillis()));
        b.append(String.format("  swaps seen          %d by the readers together, at least %d by each reader%n",
                swapsSeenByReaders, fewestSwapsSeenByOneReader));
        b.append(String.format("  DuckDB opens        %d by the driver for all %d readers%n",
                snapshotsOpenedByDriver, readers));
        b.append(String.format("  reader errors       %d%n", readerErrors));
        b.append(String.format("  stale reads         %d (worst staleness %.1f ms)%n",
                staleReads, worstStaleness.toNanos() / 1e6));
        b.append(String.format("  pipeline errors     %d%n", pipelineErrors));
        for (String error : firstErrors) {
            b.append("  ! ").append(error).append('\n');
        }
        b.append(clean() ? "  OK: every query succeeded on a whole, current snapshot.\n"
                : "  FAILED: see the errors above.\n");
        return b.toString();
    }
}
