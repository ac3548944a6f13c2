package io.duckserving.exporter;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What an export published: the local target and/or the {@code s3://} targets. Also carried by the
 * {@link ExportException} of an export that published some targets and not others.
 */
public final class ExportReport {

    private final String publishId;
    private final Instant publishedAt;
    private final String source;
    private final Path target;
    private final List<String> schemas;
    private final Map<String, Long> tables;
    private final long bytes;
    private final Duration duration;
    private final List<Path> leftoversRemoved;
    private final Duration handoff;
    private final String handoffSkipped;
    private final Path generationKept;
    private final List<String> generationsPruned;
    private final String historySkipped;
    private final List<ObjectPublish> objectTargets;

    ExportReport(String publishId, Instant publishedAt, String source, Path target, List<String> schemas,
            Map<String, Long> tables, long bytes, Duration duration, List<Path> leftoversRemoved,
            Duration handoff, String handoffSkipped, Path generationKept, List<String> generationsPruned,
            String historySkipped) {
        this.publishId = publishId;
        this.publishedAt = publishedAt;
        this.source = source;
        this.target = target;
        this.schemas = List.copyOf(schemas);
        this.tables = Collections.unmodifiableMap(new LinkedHashMap<>(tables));
        this.bytes = bytes;
        this.duration = duration;
        this.leftoversRemoved = List.copyOf(leftoversRemoved);
        this.handoff = handoff;
        this.handoffSkipped = handoffSkipped;
        this.generationKept = generationKept;
        this.generationsPruned = List.copyOf(generationsPruned);
        this.historySkipped = historySkipped;
        this.objectTargets = List.of();
    }

    private ExportReport(ExportReport local, boolean keepLocal, List<ObjectPublish> objectTargets,
            Duration duration) {
        this.publishId = local.publishId;
        this.publishedAt = local.publishedAt;
        this.source = local.source;
        this.target = keepLocal ? local.target : null;
        this.schemas = local.schemas;
        this.tables = local.tables;
        this.bytes = local.bytes;
        this.duration = duration;
        this.leftoversRemoved = keepLocal ? local.leftoversRemoved : List.of();
        this.handoff = local.handoff;
        this.handoffSkipped = local.handoffSkipped;
        this.generationKept = keepLocal ? local.generationKept : null;
        this.generationsPruned = keepLocal ? local.generationsPruned : List.of();
        this.historySkipped = keepLocal ? local.historySkipped : null;
        this.objectTargets = List.copyOf(objectTargets);
    }

    /**
     * This report with the {@code s3://} targets' outcomes and the whole run's duration; without the
     * local part when the local file was only the work directory's ({@code keepLocal} false).
     */
    ExportReport withObjectTargets(boolean keepLocal, List<ObjectPublish> objects, Duration total) {
        return new ExportReport(this, keepLocal, objects, total);
    }

    /**
     * One entry per {@code s3://} target, in the order given: its object, size, SHA-256, upload
     * time, and whether it became current (else why not). Empty for a local export only.
     */
    public List<ObjectPublish> objectTargets() {
        return objectTargets;
    }

    /** Unique id of this snapshot, also stored in {@code serving_meta.publish}. */
    public String publishId() {
        return publishId;
    }

    public Instant publishedAt() {
        return publishedAt;
    }

    /** The source file's absolute path, or the live connection's JDBC URL. */
    public String source() {
        return source;
    }

    /** The local target published, or null when there were only {@code s3://} targets. */
    public Path target() {
        return target;
    }

    /** The exported schemas, as named in the source. */
    public List<String> schemas() {
        return schemas;
    }

    /** {@code schema.table} -> row count, in export order. */
    public Map<String, Long> tables() {
        return tables;
    }

    public long totalRows() {
        return tables.values().stream().mapToLong(Long::longValue).sum();
    }

    /** Size of the published file. */
    public long bytes() {
        return bytes;
    }

    public Duration duration() {
        return duration;
    }

    /** Temporary files of earlier, killed runs that this run removed. */
    public List<Path> leftoversRemoved() {
        return leftoversRemoved;
    }

    /**
     * How long the snapshot was offered to readers under its handoff name before the rename;
     * {@link Duration#ZERO} when the handoff was off or skipped.
     */
    public Duration handoff() {
        return handoff;
    }

    /** Why a requested handoff was skipped (the directory refused a hard link), or null. */
    public String handoffSkipped() {
        return handoffSkipped;
    }

    /**
     * The new snapshot's generation in the history directory, {@code .<target>.history/<publishId>.duckdb}
     * (a hard link to the target's inode), or null when the history could not keep it
     * ({@link #historySkipped()} says why).
     */
    public Path generationKept() {
        return generationKept;
    }

    /**
     * Publish ids of the generations this publish deleted ({@link ExportRequest#keep()},
     * {@link ExportRequest#keepFor()}), oldest first.
     */
    public List<String> generationsPruned() {
        return generationsPruned;
    }

    /**
     * Why the new snapshot is not kept as a generation (the file system refused a hard link, the
     * history directory could not be read), or null. The publish itself succeeded.
     */
    public String historySkipped() {
        return historySkipped;
    }

    @Override
    public String toString() {
        StringBuilder where = new StringBuilder();
        if (target != null) {
            where.append(target);
        }
        for (ObjectPublish o : objectTargets) {
            if (o.current()) {
                where.append(where.length() == 0 ? "" : " and ").append(o.uri());
            }
        }
        return "published " + (where.length() == 0 ? "nothing" : where) + " (" + publishId + "): " + tables.size()
                + " tables, " + totalRows() + " rows, " + bytes + " bytes in " + duration.toMillis() + " ms";
    }
}
