package io.duckserving.examples.bench;

import io.duckserving.examples.bench.DashboardReaders.PhaseLog;
import io.duckserving.examples.bench.DashboardReaders.Sample;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/** The swap-latency benchmark's numbers, worked out from the recorded statements, and its README tables. */
final class SwapLatencyReport {

    /** The bar for the seamless modes: p99 with a publish every interval at most this times the steady p99. */
    static final double SEAMLESS_GOAL = 1.1;

    private SwapLatencyReport() {
    }

    /** Per-statement latency of one phase, in milliseconds. */
    record PhaseStats(int statements, long failures, String firstFailure, double p50, double p99, double p999,
            double max) {

        static PhaseStats of(PhaseLog log) {
            long[] nanos = log.samples().stream().mapToLong(Sample::latencyNanos).sorted().toArray();
            return new PhaseStats(nanos.length, log.failures(), log.firstFailure(), percentileMillis(nanos, 50),
                    percentileMillis(nanos, 99), percentileMillis(nanos, 99.9), percentileMillis(nanos, 100));
        }
    }

    /**
     * What the publishes of one swap phase did to readers.
     *
     * @param renameToFirstResultNanos sorted, one per publish that some reader read: from its rename returning
     *        to the end of the first statement that started after it and read that publish or a newer one
     * @param staleStatements statements that started after the rename of a newer publish than the one they read
     * @param maxLagMillis the most any statement's start came after the rename that replaced what it read
     */
    record SwapStats(int publishes, long[] renameToFirstResultNanos, long staleStatements, long statements,
            double maxLagMillis, double opensPerPublish, boolean drained) {

        /**
         * @param renamedAt {@code renamedAt[i]}: {@link System#nanoTime()} after publish {@code i}'s rename returned (index 0 unused)
         */
        static SwapStats of(List<Sample> samples, long[] renamedAt, long opens, boolean drained) {
            int publishes = renamedAt.length - 1;
            long[] firstResult = new long[publishes + 1];
            Arrays.fill(firstResult, Long.MAX_VALUE);
            long stale = 0;
            long maxLag = 0;
            for (Sample s : samples) {
                int read = (int) Math.min(s.publish(), publishes);
                if (read < 0) {
                    continue;
                }
                if (read < publishes && renamedAt[read + 1] < s.startNanos()) {
                    stale++;
                    maxLag = Math.max(maxLag, s.startNanos() - renamedAt[read + 1]);
                }
                for (int i = 1; i <= read; i++) {
                    if (renamedAt[i] <= s.startNanos()) {
                        firstResult[i] = Math.min(firstResult[i], s.endNanos());
                    }
                }
            }
            long[] latency = new long[publishes];
            int seen = 0;
            for (int i = 1; i <= publishes; i++) {
                if (firstResult[i] != Long.MAX_VALUE) {
                    latency[seen++] = firstResult[i] - renamedAt[i];
                }
            }
            long[] sorted = Arrays.copyOf(latency, seen);
            Arrays.sort(sorted);
            return new SwapStats(publishes, sorted, stale, samples.size(), maxLag / 1e6,
                    publishes == 0 ? 0 : (double) opens / publishes, drained);
        }

        int readPublishes() {
            return renameToFirstResultNanos.length;
        }

        double renameToFirstResult(double percentile) {
            return percentileMillis(renameToFirstResultNanos, percentile);
        }
    }

    /** One mode: its steady and swap phases, or why it could not run. */
    record ModeResult(String mode, String url, boolean seamless, String publishing, PhaseStats steady,
            PhaseStats swaps, SwapStats swapStats, DashboardSnapshot.ReadyFiles readyFiles, String notRun) {

        static ModeResult notRun(String mode, String url, boolean seamless, String publishing, String reason) {
            return new ModeResult(mode, url, seamless, publishing, null, null, null, null, reason);
        }

        double p99Ratio() {
            return swaps.p99() / steady.p99();
        }
    }

    /** The run's settings, for the notes under the tables. */
    record Settings(long rows, long fileBytes, int readers, Duration warmup, Duration phase, int rounds) {
    }

    /** Nearest-rank percentile of sorted nanoseconds, in milliseconds; 0 when there are none. */
    static double percentileMillis(long[] sortedNanos, double percentile) {
        if (sortedNanos.length == 0) {
            return 0;
        }
        int rank = (int) Math.ceil(percentile / 100 * sortedNanos.length);
        return sortedNanos[Math.max(0, Math.min(sortedNanos.length, rank) - 1)] / 1e6;
    }

    /** The README's two tables and their notes, in Markdown. */
    static String markdown(Settings settings, PhaseStats duckdb, List<ModeResult> modes) {
        StringBuilder b = new StringBuilder();
        b.append("| reader URL | publishing | phase | statements | failed | p50 (ms) | p99 (ms) | p99.9 (ms) | max (ms)"
                + " | p99 / `jdbc:duckdb:` p99 |\n");
        b.append("| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
        double baseline = duckdb == null ? Double.NaN : duckdb.p99();
        if (duckdb != null) {
            latencyRow(b, "`jdbc:duckdb:` read-only", "none (cannot follow a new file)", "steady", duckdb, baseline);
        }
        for (ModeResult m : modes) {
            if (m.notRun() != null) {
                b.append(String.format(Locale.ROOT, "| %s | %s | not run | | | | | | | |%n", m.url(), m.publishing()));
                continue;
            }
            latencyRow(b, m.url(), "none", "steady", m.steady(), baseline);
            latencyRow(b, m.url(), m.publishing(), "swaps", m.swaps(), baseline);
        }
        b.append('\n');
        b.append("| mode | p99 swaps / p99 steady | goal | rename -> first result on the new snapshot, p50 / max (ms)"
                + " | statements that started after a rename and read an older snapshot | max lag (ms)"
                + " | DuckDB opens per publish |\n");
        b.append("| --- | ---: | --- | ---: | ---: | ---: | ---: |\n");
        for (ModeResult m : modes) {
            if (m.notRun() != null) {
                b.append(String.format(Locale.ROOT, "| %s | not run: %s | %s | | | | |%n", m.mode(),
                        oneLine(m.notRun()), goal(m)));
                continue;
            }
            SwapStats s = m.swapStats();
            String unread = s.readPublishes() < s.publishes()
                    ? String.format(Locale.ROOT, " (%d of %d publishes never read: a newer one came first)",
                            s.publishes() - s.readPublishes(), s.publishes())
                    : "";
            b.append(String.format(Locale.ROOT, "| %s | %.2f | %s | %.1f / %.1f%s | %,d of %,d | %.1f | %.2f |%n",
                    m.mode(), m.p99Ratio(), goal(m), s.renameToFirstResult(50), s.renameToFirstResult(100), unread,
                    s.staleStatements(), s.statements(), s.maxLagMillis(), s.opensPerPublish()));
        }
        b.append('\n');
        notes(b, settings, modes);
        return b.toString();
    }

    private static void latencyRow(StringBuilder b, String url, String publishing, String phase, PhaseStats p,
            double baseline) {
        String toBaseline = Double.isNaN(baseline) ? "-" : String.format(Locale.ROOT, "%.2f", p.p99() / baseline);
        b.append(String.format(Locale.ROOT, "| %s | %s | %s | %,d | %,d | %.1f | %.1f | %.1f | %.1f | %s |%n",
                url, publishing, phase, p.statements(), p.failures(), p.p50(), p.p99(), p.p999(), p.max(),
                toBaseline));
    }

    private static String goal(ModeResult m) {
        if (!m.seamless()) {
            return "report";
        }
        if (m.notRun() != null) {
            return String.format(Locale.ROOT, "<= %.1f", SEAMLESS_GOAL);
        }
        return String.format(Locale.ROOT, "<= %.1f: %s", SEAMLESS_GOAL, m.p99Ratio() <= SEAMLESS_GOAL ? "met" : "missed");
    }

    private static void notes(StringBuilder b, Settings settings, List<ModeResult> modes) {
        b.append(String.format(Locale.ROOT, "%,d-row snapshot (%.0f MB), %d readers (one connection and thread each)"
                + " running 3 dashboard aggregates back to back as prepared statements; per mode %d s warm-up"
                + " (not counted), then %d s steady (no publishing) and %d s with publishing, %s; %d cores, Java %s.%n",
                settings.rows(), settings.fileBytes() / 1e6, settings.readers(), settings.warmup().toSeconds(),
                settings.phase().toSeconds(), settings.phase().toSeconds(), settings.rounds() == 1 ? "one after the other"
                        : "alternating in " + settings.rounds() + " rounds",
                Runtime.getRuntime().availableProcessors(), System.getProperty("java.version")));
        for (ModeResult m : modes) {
            if (m.notRun() != null) {
                b.append(String.format(Locale.ROOT, "- %s: not run, the driver refused %s: %s%n",
                        m.mode(), m.url(), oneLine(m.notRun())));
                continue;
            }
            DashboardSnapshot.ReadyFiles ready = m.readyFiles();
            b.append(String.format(Locale.ROOT, "- %s: %d publishes, %s; ready files made before the timed phases"
                    + " (copy + `UPDATE marker` + `CHECKPOINT` + fsync): %.2f s each, max %.2f s%s.%n",
                    m.mode(), m.swapStats().publishes(), m.publishing(), ready.secondsPerFile(), ready.maxSeconds(),
                    m.swapStats().drained() ? "" : "; readers had not all read the last publish 30 s after it"));
            if (m.steady().failures() + m.swaps().failures() > 0) {
                b.append(String.format(Locale.ROOT, "  - first failure: %s%n",
                        oneLine(m.steady().firstFailure() != null ? m.steady().firstFailure() : m.swaps().firstFailure())));
            }
        }
        b.append("- p50/p99/p99.9/max: nearest rank over every statement of the phase (so p99.9 is the max below"
                + " 1,000 statements); a swap phase runs on until every reader has read the last publish.\n");
        b.append("- rename -> first result: from `rename(2)` returning to the end of the first statement that started"
                + " after it and read that publish (or a newer one); max lag: how long before a statement started, the"
                + " snapshot it read had already been replaced (0 when it read the newest).\n");
        if (modes.stream().anyMatch(m -> m.publishing().contains("emulated"))) {
            b.append("- handoff: the exporter's protocol (temporary name, `.handoff` hard link, wait, rename, directory"
                    + " fsync, link removed) replayed on ready files, because a real export of this snapshot takes"
                    + " seconds; one publish at a time as under the exporter's lock, so it publishes every"
                    + " max(interval, handoff).\n");
        }
    }

    private static String oneLine(String message) {
        String line = message == null ? "" : message.replaceAll("\\s+", " ").replace("|", "\\|").trim();
        return line.length() > 200 ? line.substring(0, 200) + "..." : line;
    }
}
