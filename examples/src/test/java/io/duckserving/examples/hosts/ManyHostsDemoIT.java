package io.duckserving.examples.hosts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The scenario with real parts: one publisher and two reader JVMs with separate replica
 * directories against a real S3-compatible server; every reader query succeeds on a whole
 * snapshot, both nodes serve every publish and the rollback, and an outage of the store in the
 * middle costs no query; each generation is opened once per node.
 */
class ManyHostsDemoIT {

    @Test
    void twoReaderNodesServeEveryPublishTheRollbackAndSurviveAnOutageWithoutAFailedQuery(@TempDir Path dir)
            throws Exception {
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        ManyHostsDemo.Result result = ManyHostsDemo.run(
                new ManyHostsDemo.Settings(4, Duration.ofMillis(300), Duration.ofSeconds(1), 20_000,
                        Duration.ofSeconds(2), dir),
                new PrintStream(printed, true, StandardCharsets.UTF_8));
        String report = printed.toString(StandardCharsets.UTF_8) + result.describe();

        assertEquals(2, result.nodes().size(), report);
        for (NodeLags node : result.nodes()) {
            assertEquals(0, node.publishesMissed(), report);
            assertEquals(4, node.lagsMillis().size(), report);
            assertTrue(node.rollbackLagMillis() >= 0, "the rollback reached " + node.node() + "\n" + report);
            assertEquals(0, node.count("errors"), report);
            assertEquals(0, node.count("torn"), report);
            assertTrue(node.count("queries") > 50, report);
            assertTrue(node.errors().isEmpty(), report);
            // The first publish, four more and the rollback (a replica keeps only the current generation),
            // each downloaded once: the outage costs no extra download.
            assertEquals(6, node.count("downloads"), report);
            // One DuckDB open per generation on each node: the handoff's, none again at the rename (one more
            // is allowed: a handoff open slower than the handoff on a loaded machine is repeated at the rename).
            long extraOpens = node.count("opens") - node.count("downloads");
            assertTrue(extraOpens >= 0 && extraOpens <= 1, "one open per generation\n" + report);
        }
        assertTrue(result.outageMillis() >= 2000, report);
        assertTrue(result.ok(), report);
    }
}
