package io.duckserving.jdbc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Where the driver cannot make its private link beside the published file (here a directory made
 * immutable with {@code chattr +i}, which refuses root too, as readers without write permission on
 * the directory would be refused), SQL is denied every local file instead: the published file and
 * its .wal names stay out of reach, readers still read, and one warning says why.
 */
class NoPrivateLinkIT {
    @TempDir
    Path dir;

    @Test
    void withoutAPrivateLinkSqlReachesNoFileAndReadersStillRead() throws Exception {
        Path out = Files.createDirectories(dir.resolve("out"));
        Path target = out.resolve("analytics.duckdb");
        SnapshotFiles.publish(target, 1);
        byte[] before = MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(target));
        List<String> warnings = new CopyOnWriteArrayList<>();
        Handler handler = new Handler() {
            @Override
            public void publish(LogRecord r) {
                if (r.getMessage() != null && r.getMessage().contains("cannot make a private link")) {
                    warnings.add(r.getMessage());
                }
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        Logger log = Logger.getLogger(ServingDriver.LOGGER_NAME);
        log.addHandler(handler);
        run("chattr", "+i", out.toString());
        try (Connection c = DriverManager.getConnection(SnapshotFiles.url(target)); Statement s = c.createStatement()) {
            assertEquals(1, SnapshotFiles.readVersion(c), "the snapshot is served");
            String quoted = "'" + target + "'";
            assertThrows(SQLException.class, () -> s.execute("SELECT content FROM read_blob(" + quoted + ")"));
            for (String suffix : new String[] {"", ".wal"}) {
                SQLException e = assertThrows(SQLException.class, () -> s.execute(
                        "COPY (SELECT 'x') TO '" + target + suffix + "' (FORMAT csv, USE_TMP_FILE false)"));
                assertTrue(e.getMessage().contains("disabled"), e.getMessage());
            }
            assertThrows(SQLException.class, () -> s.execute("SET disabled_filesystems = ''"),
                    "the switch cannot be undone from SQL");
            assertEquals(1, SnapshotFiles.readVersion(c));
        } finally {
            run("chattr", "-i", out.toString());
            log.removeHandler(handler);
        }
        assertArrayEquals(before, MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(target)));
        assertEquals(List.of("analytics.duckdb"), entries(out), "nothing was created beside it");
        assertEquals(1, warnings.size(), "one warning names the reason and the fix: " + warnings);
        assertTrue(warnings.get(0).contains(target.toString()) && warnings.get(0).contains("spill"), warnings.get(0));
    }

    private static void run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        assertTrue(p.waitFor(10, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), String.join(" ", command) + ": " + new String(p.getInputStream().readAllBytes()));
    }

    private static List<String> entries(Path d) throws Exception {
        try (var s = Files.list(d)) {
            return s.map(x -> x.getFileName().toString()).sorted().toList();
        }
    }
}
