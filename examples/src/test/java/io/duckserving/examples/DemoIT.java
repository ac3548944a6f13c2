package io.duckserving.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DemoIT {

    @Test
    void readersFollowEveryPublishWithoutErrorsInShortMode(@TempDir Path dir) throws Exception {
        ByteArrayOutputStream status = new ByteArrayOutputStream();
        DemoSummary summary = Demo.run(new Demo.Settings(Duration.ofSeconds(6), 4, Duration.ofMillis(300), dir, 120),
                new PrintStream(status, true, StandardCharsets.UTF_8));
        String printed = status.toString(StandardCharsets.UTF_8) + summary.describe();

        assertEquals(0, summary.readerErrors(), printed);
        assertEquals(0, summary.staleReads(), printed);
        assertEquals(0, summary.pipelineErrors(), printed);
        assertTrue(summary.swapsSeenByReaders() >= 3, printed);
        assertTrue(summary.fewestSwapsSeenByOneReader() >= 1, "every reader followed at least one swap\n" + printed);
        assertTrue(summary.queries() > 100, printed);
        // one DuckDB open per published snapshot, however many readers
        assertTrue(summary.snapshotsOpenedByDriver() <= summary.runsPublished() + 1, printed);
        assertTrue(printed.contains("queries/s") && printed.contains("reader errors       0"), printed);
    }
}
