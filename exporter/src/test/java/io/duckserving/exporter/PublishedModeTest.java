package io.duckserving.exporter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Published snapshots are read-only files (0444): readers need no write bit to open them. */
class PublishedModeTest {

    @TempDir
    Path dir;

    @Test
    void publishedSnapshotIsReadOnlyForEveryone() throws Exception {
        Path lake = dir.resolve("lakehouse.duckdb");
        Lakehouse.create(lake, 100);
        Path target = dir.resolve("analytics.duckdb");

        Lakehouse.export(lake, target);

        assertEquals("r--r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(target)));
    }

    @Test
    void republishingOverAReadOnlyTargetWorks() throws Exception {
        Path lake = dir.resolve("lakehouse.duckdb");
        Lakehouse.create(lake, 100);
        Path target = dir.resolve("analytics.duckdb");
        ExportReport first = Lakehouse.export(lake, target);

        ExportReport second = Lakehouse.export(lake, target);

        assertNotEquals(first.publishId(), second.publishId());
        assertEquals("r--r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(target)));
        try (Connection c = Lakehouse.open(target, true)) {
            assertEquals(List.of(List.of(second.publishId())),
                    Lakehouse.rows(c, "SELECT publish_id FROM serving_meta.publish"));
        }
        assertEquals(List.of(".analytics.duckdb.history", "analytics.duckdb", "analytics.duckdb.lock",
                "lakehouse.duckdb"), SnapshotAssertions.entries(dir));
    }

    @Test
    void readOnlyLeftoversOfAKilledRunAreRemoved() throws Exception {
        Path lake = dir.resolve("lakehouse.duckdb");
        Lakehouse.create(lake, 100);
        Path leftover = dir.resolve(".analytics.duckdb.tmp-20240101T000000Z-aaaaaa");
        Files.writeString(leftover, "a sealed snapshot that was never renamed");
        Files.setPosixFilePermissions(leftover, PosixFilePermissions.fromString("r--r--r--"));

        ExportReport report = Lakehouse.export(lake, dir.resolve("analytics.duckdb"));

        assertEquals(List.of(leftover), report.leftoversRemoved());
        assertEquals(List.of(".analytics.duckdb.history", "analytics.duckdb", "analytics.duckdb.lock",
                "lakehouse.duckdb"), SnapshotAssertions.entries(dir));
    }
}
