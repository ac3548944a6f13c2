package io.duckserving.exporter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The catalog name DuckDB gives a target file, as the catalog clash check must see it. */
class DuckDbTest {

    @TempDir
    Path dir;

    @Test
    void hiddenTargetFileNamedAfterTheSchemaIsRefused() throws Exception {
        Path lake = dir.resolve("lakehouse.duckdb");
        Lakehouse.create(lake, 10);
        Path hidden = dir.resolve(".serving.duckdb");
        ExportException e = assertThrows(ExportException.class, () -> Lakehouse.export(lake, hidden));
        assertEquals(ExportException.Reason.INVALID_REQUEST, e.reason());
        assertFalse(Files.exists(hidden));
    }

    @Test
    void targetMainDuckDbClashesWithSchemaMainDb() throws Exception {
        Path lake = dir.resolve("lakehouse.duckdb");
        Lakehouse.create(lake, 10);
        try (Connection c = Lakehouse.open(lake, false); Statement st = c.createStatement()) {
            st.execute("CREATE SCHEMA main_db; CREATE TABLE main_db.t AS SELECT 1 AS x");
        }
        Path main = dir.resolve("main.duckdb");
        ExportException e = assertThrows(ExportException.class, () -> Lakehouse.export(lake, main, "main_db"));
        assertEquals(ExportException.Reason.INVALID_REQUEST, e.reason());
        assertTrue(e.getMessage().contains("main_db"), e.getMessage());
        assertFalse(Files.exists(main));
    }
}
