package io.duckserving.exporter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Java pipeline that exports from its live connection but forgot the JVM option Arrow needs
 * gets the checked ExportException that names the option, not an unchecked stack trace.
 */
class LiveExportWithoutAddOpensIT {
    @TempDir
    Path dir;

    /** Runs in a child JVM started without --add-opens; prints the outcome on one line. */
    public static void main(String[] args) throws Exception {
        Properties props = new Properties();
        props.setProperty("jdbc_instance_cache", "false");
        try (Connection source = DriverManager.getConnection("jdbc:duckdb:", props);
             Statement st = source.createStatement()) {
            st.execute("CREATE SCHEMA serving; CREATE TABLE serving.t AS SELECT range AS id FROM range(10)");
            new Exporter().export(ExportRequest.builder().sourceConnection(source).target(Path.of(args[0])).build());
            System.out.println("published");
        } catch (ExportException e) {
            System.out.println(e.reason() + ": " + e.getMessage());
        }
    }

    @Test
    void missingAddOpensIsACheckedErrorNamingTheOption() throws Exception {
        Path target = dir.resolve("analytics.duckdb");
        Process child = ChildJvm.main(List.of(), LiveExportWithoutAddOpensIT.class, target.toString());
        assertTrue(child.waitFor(60, TimeUnit.SECONDS), "the child JVM finished");
        String out = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertEquals(0, child.exitValue(), out);
        assertTrue(out.startsWith("INVALID_REQUEST: "), out);
        assertTrue(out.contains("--add-opens=java.base/java.nio=ALL-UNNAMED"), out);
        assertFalse(Files.exists(target), "nothing published");
        try (var files = Files.list(dir)) {
            assertEquals(List.of(), files.filter(p -> !p.getFileName().toString().endsWith(".lock")).toList(),
                    "no temporary file left beside the target");
        }
    }
}
