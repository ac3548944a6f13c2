package io.duckserving.examples;

import io.duckserving.exporter.ExportException;
import io.duckserving.exporter.ExportReport;
import io.duckserving.exporter.ExportRequest;
import io.duckserving.exporter.Exporter;
import io.duckserving.exporter.Publications;
import io.duckserving.exporter.RollbackReport;
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
    private final Duration handoff;
    private final Exporter exporter = new Exporter();
    private Publication first;

    private PublishedLakehouse(Path directory, Duration handoff) {
        this.lakehouse = directory.resolve("lakehouse.duckdb").toAbsolutePath();
        this.snapshot = directory.resolve("analytics.duckdb").toAbsolutePath();
        this.handoff = handoff;
    }

    /**
     * One pipeline run made visible to readers. {@code exportTime} includes {@code handoff}, the
     * time the finished snapshot was offered to drivers before the rename
     * ({@link ExportRequest#handoff()}).
     */
    public record Publication(CoffeeLakehouse.Run run, String publishId, Duration pipelineTime, Duration exportTime,
            Duration handoff) {
    }

    /**
     * Generates the lakehouse in {@code directory} and publishes its first snapshot; every
     * publish waits {@code handoff} before its rename (the exporter's default is
     * {@link ExportRequest#DEFAULT_HANDOFF}).
     */
    public static PublishedLakehouse create(Path directory, int historyDays, Duration handoff)
            throws SQLException, ExportException {
        try {
            Files.createDirectories(directory);
        } catch (java.io.IOException e) {
            throw new IllegalStateException("cannot create the demo directory " + directory + ": " + e.getMessage(), e);
        }
        PublishedLakehouse published = new PublishedLakehouse(directory, handoff);
        long start = System.nanoTime();
        CoffeeLakehouse.Run run = CoffeeLakehouse.create(published.lakehouse, historyDays, LocalDate.now());
        Duration pipelineTime = Duration.ofNanos(System.nanoTime() - start);
        ExportReport report = published.export();
        published.first = new Publication(run, report.publishId(), pipelineTime, report.duration(), report.handoff());
        return published;
    }

    public static PublishedLakehouse create(Path directory, int historyDays) throws SQLException, ExportException {
        return create(directory, historyDays, ExportRequest.DEFAULT_HANDOFF);
    }

    public static PublishedLakehouse create(Path directory) throws SQLException, ExportException {
        return create(directory, DEFAULT_HISTORY_DAYS);
    }

    /** The snapshot {@link #create} published: run 1, the whole generated history. */
    public Publication first() {
        return first;
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
        return publishNextRun(CoffeeLakehouse.Models.CORRECT);
    }

    /** {@link #publishNextRun()} with the given models: {@code BROKEN_FRONT_MONTH} publishes a bad run. */
    public Publication publishNextRun(CoffeeLakehouse.Models models) throws SQLException, ExportException {
        long start = System.nanoTime();
        CoffeeLakehouse.Run run = CoffeeLakehouse.runPipeline(lakehouse, models);
        Duration pipelineTime = Duration.ofNanos(System.nanoTime() - start);
        ExportReport report = export();
        return new Publication(run, report.publishId(), pipelineTime, report.duration(), report.handoff());
    }

    /**
     * Makes the snapshot published before the current one current again, as
     * {@code exporter rollback --target analytics.duckdb} does: one rename of a hard link to the
     * kept generation, no copy. Readers move at their next statement.
     */
    public RollbackReport rollback() throws ExportException {
        return Publications.of(snapshot).rollback();
    }

    private ExportReport export() throws ExportException {
        return exporter.export(ExportRequest.builder()
                .source(lakehouse)
                .target(snapshot)
                .schema(CoffeeLakehouse.SERVING_SCHEMA)
                .waitTimeout(Duration.ofSeconds(30))
                .handoff(handoff)
                .build());
    }
}
