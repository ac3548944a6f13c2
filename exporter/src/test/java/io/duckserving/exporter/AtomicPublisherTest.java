package io.duckserving.exporter;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The clean-up of killed runs' leftovers touches only this target's temporary files. */
class AtomicPublisherTest {

    @TempDir
    Path dir;

    @Test
    void cleanUpNeverTouchesTemporaryFilesOfAnotherTarget() throws Exception {
        Path lake = dir.resolve("lakehouse.duckdb");
        Lakehouse.create(lake, 10);
        Path othersTemp = dir.resolve(".data1.duckdb.tmp-20250101T000000Z-abcdef");
        Files.writeString(othersTemp, "another exporter's snapshot in progress");

        Lakehouse.export(lake, dir.resolve("data[1].duckdb"));

        assertTrue(Files.exists(othersTemp), "the temporary file of target data1.duckdb was deleted");
    }

    @Test
    void targetNameWithABraceIsExportedOrRefusedWithAnExportException() throws Exception {
        Path lake = dir.resolve("lakehouse.duckdb");
        Lakehouse.create(lake, 10);
        Path target = dir.resolve("analytics{v2.duckdb");
        try {
            Lakehouse.export(lake, target);
        } catch (ExportException expected) {
            return; // a clear refusal is fine too
        }
        assertTrue(Files.exists(target));
    }
}
