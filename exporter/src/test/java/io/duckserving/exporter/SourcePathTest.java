package io.duckserving.exporter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --source} reached through symbolic links: DuckDB lists an attached file under its real
 * path, and /tmp itself is a symlink on macOS.
 */
class SourcePathTest {

    @TempDir
    Path dir;

    @Test
    void sourceGivenAsASymlinkToTheFileExports() throws Exception {
        Path lake = Files.createDirectories(dir.resolve("lake")).resolve("lakehouse.duckdb");
        Lakehouse.create(lake, 100);
        Path link = Files.createSymbolicLink(dir.resolve("lakehouse.duckdb"), lake);
        Path target = dir.resolve("analytics.duckdb");

        ExportReport report = Lakehouse.export(link, target);

        assertEquals(100L + 2 + 50, report.totalRows());
        SnapshotAssertions.assertSameRelations(lake, target,
                List.of("serving.events", "serving.moods", "serving.recent"));
    }

    @Test
    void sourceUnderASymlinkedDirectoryExports() throws Exception {
        Path realDir = Files.createDirectories(dir.resolve("private/tmp"));
        Lakehouse.create(realDir.resolve("lakehouse.duckdb"), 100);
        Path linkedDir = Files.createSymbolicLink(dir.resolve("tmp"), realDir);
        Path target = Files.createDirectories(dir.resolve("pub")).resolve("analytics.duckdb");

        ExportReport report = Lakehouse.export(linkedDir.resolve("lakehouse.duckdb"), target);

        assertEquals(100L + 2 + 50, report.totalRows());
        try (Connection c = Lakehouse.open(target, true)) {
            assertEquals(List.of(List.of(linkedDir.resolve("lakehouse.duckdb").toString())),
                    Lakehouse.rows(c, "SELECT source FROM serving_meta.publish"), "the source as the user named it");
        }
    }

    @Test
    void targetThatIsASymlinkToTheSourceIsRefusedBeforeWritingAnything() throws Exception {
        Path lake = dir.resolve("lakehouse.duckdb");
        Lakehouse.create(lake, 10);
        Path target = Files.createSymbolicLink(dir.resolve("analytics.duckdb"), lake);

        ExportException e = assertThrows(ExportException.class, () -> Lakehouse.export(lake, target));

        assertEquals(ExportException.Reason.INVALID_REQUEST, e.reason());
        assertTrue(e.getMessage().contains("--source") && e.getMessage().contains("--target"), e.getMessage());
        assertEquals(List.of("analytics.duckdb", "lakehouse.duckdb"), SnapshotAssertions.entries(dir));
    }
}
