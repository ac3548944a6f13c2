package io.duckserving.exporter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The CLI's error lines and option checks. */
class ExportCommandTest {

    @TempDir
    Path dir;

    @Test
    void cliPrintsTheCauseOfABrokenViewOnOneLine() throws Exception {
        Path lake = dir.resolve("lakehouse.duckdb");
        Lakehouse.create(lake, 10);
        try (Connection c = Lakehouse.open(lake, false); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE staging.dropped AS SELECT 1 AS x");
            st.execute("CREATE VIEW serving.stale AS SELECT x FROM staging.dropped");
            st.execute("ALTER TABLE staging.dropped RENAME COLUMN x TO y");
        }
        CliRun r = runCli("--source", lake.toString(), "--target", dir.resolve("analytics.duckdb").toString(),
                "--quiet");
        assertEquals(1, r.exitCode(), r.stderr());
        assertTrue(r.stderr().contains("serving.stale"), r.stderr());
        assertEquals(1, r.stderr().strip().lines().count(), r.stderr());
    }

    @Test
    void cliRefusesAnOverlongWaitNamingTheOption() throws Exception {
        Path lake = dir.resolve("lakehouse.duckdb");
        Lakehouse.create(lake, 10);
        CliRun r = runCli("--source", lake.toString(), "--target", dir.resolve("analytics.duckdb").toString(),
                "--wait", "10000000000");
        assertEquals(2, r.exitCode(), r.stderr());
        assertTrue(r.stderr().contains("--wait"), r.stderr());
        assertEquals(1, r.stderr().strip().lines().count(), r.stderr());
    }

    private record CliRun(int exitCode, String stderr) {
    }

    private static CliRun runCli(String... args) {
        PrintStream saved = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            int code = ExportCommand.run(args);
            return new CliRun(code, err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setErr(saved);
        }
    }
}
