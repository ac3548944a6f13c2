package io.duckserving.exporter;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A lakehouse file is attached under its own catalog name, whatever that name is. */
class AttachedFileSourceTest {

    @TempDir
    Path dir;

    @Test
    void lakehouseNamedMemoryCanBeExported() throws Exception {
        Path lake = dir.resolve("memory.duckdb");
        Lakehouse.create(lake, 10);
        ExportReport report = Lakehouse.export(lake, dir.resolve("analytics.duckdb"));
        assertEquals(10L + 2 + 5, report.totalRows());
    }
}
