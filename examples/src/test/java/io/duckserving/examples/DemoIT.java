package io.duckserving.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DemoIT {

    private static final Pattern STATUS_PUBLISH = Pattern.compile("^\\[ *(\\d+) s].*? publish (\\S+), ",
            Pattern.MULTILINE);

    @Test
    void readersFollowEveryPublishAndTheRollbackWithoutErrorsInShortMode(@TempDir Path dir) throws Exception {
        ByteArrayOutputStream status = new ByteArrayOutputStream();
        // 12 s with the exporter's default 1 s handoff: about 7 publish cycles, the bad run
        // after 4 s, shown for 2 s, then rolled back, and good publishes after it.
        DemoSummary summary = Demo.run(new Demo.Settings(Duration.ofSeconds(12), 4, Duration.ofMillis(300), dir, 120),
                new PrintStream(status, true, StandardCharsets.UTF_8));
        String printed = status.toString(StandardCharsets.UTF_8) + summary.describe();

        assertEquals(0, summary.readerErrors(), printed);
        assertEquals(0, summary.staleReads(), printed);
        assertEquals(0, summary.pipelineErrors(), printed);
        assertTrue(summary.swapsSeenByReaders() >= 3, printed);
        assertTrue(summary.fewestSwapsSeenByOneReader() >= 1, "every reader followed at least one swap\n" + printed);
        assertTrue(summary.queries() > 100, printed);
        assertTrue(summary.ok(), printed);
        assertTrue(printed.contains("queries/s") && printed.contains("reader errors       0"), printed);

        // The rollback: readers saw the bad publish, then all of them the good one again.
        DemoSummary.Rollback rollback = summary.rollback();
        assertNotNull(rollback, printed);
        assertNull(rollback.notDone(), printed);
        assertNotNull(rollback.badPublishId(), printed);
        assertNotNull(rollback.goodPublishId(), printed);
        assertNotEquals(rollback.badPublishId(), rollback.goodPublishId(), printed);
        assertTrue(rollback.readersSawBad() >= 1, "a reader saw the bad publish\n" + printed);
        assertTrue(rollback.badRefreshes() >= 1, "a reader's sanity check flagged the bad numbers\n" + printed);
        assertEquals(4, rollback.readersBackOnGood(), "every reader came back to the good publish\n" + printed);
        assertEquals(100, Math.round(Double.parseDouble(rollback.badFrontMonthKc().replace(",", ""))
                / Double.parseDouble(rollback.badCurveKc().replace(",", ""))), printed);

        // The status lines show the good publish, the bad one, then the good one again, in that order.
        List<String> shown = STATUS_PUBLISH.matcher(printed).results().map(m -> m.group(2)).toList();
        int bad = shown.indexOf(rollback.badPublishId());
        assertTrue(bad > 0, "a status line shows the bad publish\n" + printed);
        assertTrue(shown.subList(0, bad).contains(rollback.goodPublishId()), printed);
        assertTrue(shown.subList(bad, shown.size()).contains(rollback.goodPublishId()),
                "a status line after the bad one shows the good publish again\n" + printed);
        assertTrue(printed.contains("Publications.of(analytics.duckdb).rollback()"), printed);

        // The ticker: one line per whole second, none skipped, none repeated.
        List<Integer> seconds = STATUS_PUBLISH.matcher(printed).results().map(m -> Integer.parseInt(m.group(1)))
                .toList();
        assertEquals(List.of(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12), seconds, printed);

        // The metrics, read through JMX, agree with what the demo did.
        assertEquals(1, summary.metrics().size(), printed);
        DriverMetrics.Reading metrics = summary.metrics().get(0);
        assertTrue(metrics.swaps() > 0, printed);
        // The driver followed every change of the file (publishes and the rollback), one swap each.
        assertEquals(summary.swaps(), metrics.swaps(), printed);
        // DuckDB opens are shared by all readers: far fewer than one per reader and swap. Not exactly
        // one per swap: an open is repeated when a file is renamed over the path during it (the
        // driver cannot tell which file it got), and in some runs here one open more was counted.
        assertTrue(summary.snapshotsOpenedByDriver() < 2 * (metrics.swaps() + 1), printed);
        assertTrue(summary.health().contains("publish " + metrics.attributes().get("CurrentPublishId")), printed);
        assertEquals(Boolean.TRUE, metrics.attributes().get("ServingNewestFile"), printed);
        assertTrue(printed.contains("    Swaps  "), printed);
        assertTrue(summary.health().contains("serving the newest file"), printed);
        assertFalse(summary.health().contains("NOT"), printed);
    }
}
