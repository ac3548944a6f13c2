package io.duckserving.exporter;

import java.net.URI;
import java.nio.file.Path;
import java.time.Instant;

/**
 * One kept publish of a target: a hard link in the target's history directory to the very file
 * that was published ({@code .<target>.history/<publishId>.duckdb}). What it says about itself
 * comes from its own {@code serving_meta.publish}; if that cannot be read, {@link #problem()}
 * says why and the metadata accessors return null or -1.
 */
public final class Generation {

    private final String publishId;
    private final Path file;
    private final URI object;
    private final long bytes;
    private final boolean current;
    private final Instant notCurrentSince;
    private final Instant publishedAt;
    private final String source;
    private final long totalRows;
    private final String problem;

    Generation(String publishId, Path file, long bytes, boolean current, Instant notCurrentSince, Instant publishedAt,
            String source, long totalRows, String problem) {
        this(publishId, file, null, bytes, current, notCurrentSince, publishedAt, source, totalRows, problem);
    }

    /** A generation of an {@code s3://} target: its object instead of a file. */
    Generation(String publishId, URI object, long bytes, boolean current, Instant notCurrentSince, Instant publishedAt,
            String source, long totalRows, String problem) {
        this(publishId, null, object, bytes, current, notCurrentSince, publishedAt, source, totalRows, problem);
    }

    private Generation(String publishId, Path file, URI object, long bytes, boolean current, Instant notCurrentSince,
            Instant publishedAt, String source, long totalRows, String problem) {
        this.publishId = publishId;
        this.file = file;
        this.object = object;
        this.bytes = bytes;
        this.current = current;
        this.notCurrentSince = notCurrentSince;
        this.publishedAt = publishedAt;
        this.source = source;
        this.totalRows = totalRows;
        this.problem = problem;
    }

    /** The publish id, also in the file's {@code serving_meta.publish} and in its name. */
    public String publishId() {
        return publishId;
    }

    /**
     * The generation's file in the history directory (the same inode as the target while it is
     * current); null for a generation of an {@code s3://} target ({@link #object()}).
     */
    public Path file() {
        return file;
    }

    /**
     * For an {@code s3://} target, the generation's object, {@code s3://BUCKET/KEY/generations/<publishId>.duckdb};
     * null for a local target.
     */
    public URI object() {
        return object;
    }

    /** The file or the object, as the CLI shows it. */
    String location() {
        return file != null ? file.toString() : String.valueOf(object);
    }

    /**
     * The file's size. It costs disk space of its own only once it is no longer current (until
     * then the target is the same inode).
     */
    public long bytes() {
        return bytes;
    }

    /** Whether the target is this generation now: same device and inode. */
    public boolean isCurrent() {
        return current;
    }

    /**
     * When it last stopped being current; null for the current generation, and for one whose
     * time is not recorded yet (a run was killed: the next publish, rollback or prune records it).
     * {@code --keep-for} counts from here.
     */
    public Instant notCurrentSince() {
        return notCurrentSince;
    }

    /** When it was published, or null if its metadata cannot be read. */
    public Instant publishedAt() {
        return publishedAt;
    }

    /** The source file's absolute path or the live connection's URL, or null if its metadata cannot be read. */
    public String source() {
        return source;
    }

    /** Rows of all its tables, or -1 if its metadata cannot be read. */
    public long totalRows() {
        return totalRows;
    }

    /** Why its metadata cannot be read (it is then no generation to roll back to), or null. */
    public String problem() {
        return problem;
    }

    @Override
    public String toString() {
        return "generation " + publishId + (current ? " (current)" : "") + " " + location();
    }
}
