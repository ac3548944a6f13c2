package io.duckserving.examples;

import io.duckserving.exporter.ExportException;
import io.duckserving.exporter.ExportReport;
import io.duckserving.exporter.ExportRequest;
import io.duckserving.exporter.Exporter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.time.LocalDate;

/**
 * A lakehouse and the snapshot published from it, side by side in one directory:
 * {@code lakehouse.duckdb} (the pipeline's file, written with DuckDB's own driver) and
 * {@code analytics.duckdb} (what readers open through {@code jdbc:duckdb-serving:}).
 */
public final class PublishedLakehouse {

    /** Three years of weekdays: big enough to look real, small enough to export in ~0.1 s. */
    public static final int DEFAULT_HISTORY_DAYS = 780;

    private final Path lakehouse;
    private final Path snapshot;
    private final Exporter exporter = new Exporter();

    private PublishedLakehouse(Path directory) {
        this.lakehouse = directory.resolve("lakehouse.duckdb");
        this.snapshot = directory.resolve("analytics.duckdb");
    }

    /** One pipeline run made visible to readers. */
    public record Publication(CoffeeLakehouse.Run run, String publishId, Duration pipelineTime, Duration exportTime) {
    }

    /** Generates the lakehouse in {@code directory} and publishes its first snapshot. */
    public static PublishedLakehouse create(Path directory, int historyDays) throws SQLException, ExportException {
        try {
            Files.createDirectories(directory);
        } catch (java.io.IOException e) {
            throw new IllegalStateException("cannot create the demo directory " + directory + ": " + e.getMessage(), e);
        }
        PublishedLakehouse published = new PublishedLakehouse(directory);
        CoffeeLakehouse.create(published.lakehouse, historyDays, LocalDate.now());
        published.export();
        return published;
    }

    public static PublishedLakehouse create(Path directory) throws SQLException, ExportException {
        return create(directory, DEFAULT_HISTORY_DAYS);
    }

    public Path lakehouse() {
        return lakehouse;
    }

    public Path snapshot() {
        return snapshot;
    }

    /** The URL readers use. */
    public String servingUrl() {
        return "jdbc:duckdb-serving:" + snapshot;
    }

    /**
     * Runs the pipeline once (holding the lakehouse's write lock for the run), then publishes
     * the {@code serving} schema with the exporter. Returns once readers can see the new run.
     */
    public Publication publishNextRun() throws SQLException, ExportException {
        long start = System.nanoTime();
        CoffeeLakehouse.Run run = CoffeeLakehouse.runPipeline(lakehouse);
        Duration pipelineTime = Duration.ofNanos(System.nanoTime() - start);
        ExportReport report = export();
        return new Publication(run, report.publishId(), pipelineTime, report.duration());
    }

    private ExportReport export() throws ExportException {
        return exporter.export(ExportRequest.builder()
                .source(lakehouse)
                .target(snapshot)
                .schema(CoffeeLakehouse.SERVING_SCHEMA)
                .waitTimeout(Duration.ofSeconds(30))
                .build());
    }
}
