package io.duckserving.exporter;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The library API refuses what the CLI refuses, before anything is written: option bounds,
 * a source that is not a DuckDB file, target names DuckDB reserves, an unusable lock path; and
 * a refused request leaves no lock file behind.
 */
class RequestChecksTest {

    @TempDir
    Path dir;

    Path lake;
    Path target;

    @BeforeEach
    void createLakehouse() throws Exception {
        lake = Files.createDirectories(dir.resolve("lake")).resolve("lakehouse.duckdb");
        Lakehouse.create(lake, 100);
        target = Files.createDirectories(dir.resolve("pub")).resolve("analytics.duckdb");
    }

    @Test
    void threadsAreBoundedByFourPerCore() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ExportRequest.builder().threads(100_000));
        assertTrue(e.getMessage().contains("--threads") && e.getMessage().contains("1 to " + ExportRequest.MAX_THREADS)
                && e.getMessage().contains("100000"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ExportRequest.builder().threads(ExportRequest.MAX_THREADS + 1));
        assertThrows(IllegalArgumentException.class, () -> ExportRequest.builder().threads(-1));
        assertDoesNotThrow(() -> ExportRequest.builder().threads(0));
        assertDoesNotThrow(() -> ExportRequest.builder().threads(ExportRequest.MAX_THREADS));
        assertEquals(4 * Runtime.getRuntime().availableProcessors(), ExportRequest.MAX_THREADS);
    }

    @Test
    void negativeZeroOrUnparsableMemoryLimitsAreRefusedNamingTheOption() {
        for (String bad : List.of("-5GB", "-1", "lots", "5", "0GB", "0.0MB", "150%", "", "1e3MB", "2 GBs", "NaNGB")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> ExportRequest.builder().memoryLimit(bad), bad);
            assertTrue(e.getMessage().contains("--memory-limit") && e.getMessage().contains("'" + bad + "'")
                    && e.getMessage().contains("e.g. 512MB"), e.getMessage());
        }
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ExportRequest.builder().memoryLimit("-5GB"))
                .getMessage().contains("negative"));
    }

    @Test
    void duckDbStyleMemoryLimitsAreAcceptedAndApplied() throws Exception {
        for (String good : List.of("512MB", "2GB", "1.5GiB", "80%", "2 gb", " 3TB ", "1048576B", "100%")) {
            assertDoesNotThrow(() -> ExportRequest.builder().memoryLimit(good), good);
        }
        ExportReport report = new Exporter().export(ExportRequest.builder().source(lake).target(target)
                .memoryLimit("1.5GiB").build());
        assertEquals(152, report.totalRows());
    }

    @Test
    void waitTimeoutIsBoundedAsOnTheCommandLine() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ExportRequest.builder().waitTimeout(Duration.ofDays(367)));
        assertTrue(e.getMessage().contains("--wait") && e.getMessage().contains("366 days"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ExportRequest.builder().waitTimeout(Duration.ofSeconds(-1)));
        assertDoesNotThrow(() -> ExportRequest.builder().waitTimeout(ExportRequest.MAX_WAIT));
    }
}
