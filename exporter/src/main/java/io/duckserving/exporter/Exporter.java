package io.duckserving.exporter;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Publishes the serving layer of a lakehouse as an immutable snapshot file:
 * <pre>{@code
 * ExportReport report = new Exporter().export(ExportRequest.builder()
 *         .source(Path.of("lakehouse.duckdb"))
 *         .target(Path.of("/data/analytics.duckdb"))
 *         .build());
 * }</pre>
 * The target is replaced in one atomic rename; until then (and on any failure) readers keep
 * the previous snapshot. Each publish is also kept as a generation, a hard link in
 * {@code .<target>.history/} ({@link ExportRequest#keep()}, {@link ExportRequest#keepFor()});
 * {@link Publications} lists, rolls back to and prunes them. Thread-safe: the exporter itself
 * holds no state.
 */
public final class Exporter {

    /** The time part of a publish id; {@link History#timeOfId} reads it back. */
    static final DateTimeFormatter ID_TIME = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'")
            .withZone(ZoneOffset.UTC);
    /** What {@link #newPublishId()} produces; the leftover clean-up recognises its files by it. */
    static final String PUBLISH_ID_PATTERN = "[0-9]{8}T[0-9]{6}Z-[0-9a-f]{6}";
    private static final SecureRandom RANDOM = new SecureRandom();

    public ExportReport export(ExportRequest request) throws ExportException {
        if (!request.objects().isEmpty()) {
            return ObjectExport.export(request);
        }
        return exportLocal(request, null);
    }

    /** What runs under the target's lock after a local publish: the uploads of {@link ObjectExport}. */
    interface AfterPublish {
        /** {@code published}: the published file's generation (its inode), or the target if none was kept. */
        ExportReport apply(ExportReport report, Path published) throws ExportException;
    }

    /** Publishes to the local target, then runs {@code then} (if not null) still holding its lock. */
    static ExportReport exportLocal(ExportRequest request, AfterPublish then) throws ExportException {
        long startNanos = System.nanoTime();
        Path target = request.target();
        checkTarget(request);
        AtomicPublisher publisher = new AtomicPublisher(target);
        // One budget for both waits (target lock, then source lock): --wait bounds the whole wait.
        Deadline deadline = Deadline.after(request.waitTimeout());
        try (TargetLock lock = TargetLock.acquire(target, deadline)) {
            ExportReport report;
            try {
                report = exportLocked(request, publisher, deadline, startNanos);
            } catch (ExportException e) {
                if (e.reason() == ExportException.Reason.INVALID_REQUEST) {
                    // Refused (a missing schema shows only once the source is open): leave no lock file
                    // behind if this run created it.
                    lock.deleteIfCreated();
                }
                throw e;
            }
            return then == null ? report : then.apply(report, report.generationKept() != null
                    ? report.generationKept() : target);
        }
    }

    private static ExportReport exportLocked(ExportRequest request, AtomicPublisher publisher, Deadline deadline,
            long startNanos) throws ExportException {
        Path target = request.target();
        List<Path> leftovers = new ArrayList<>(publisher.removeLeftovers());
        History history = new History(target);
        String historySkipped = null;
        boolean historyReadable = true;
        String previous = null;
        try {
            previous = history.reconcile(Instant.now(), request.progress(), leftovers).currentId();
        } catch (IOException e) {
            historyReadable = false;
            historySkipped = "cannot read the history directory " + history.directory() + ": " + e;
        }
        for (Path leftover : leftovers) {
            request.progress().accept("removed leftover of an interrupted run: " + leftover);
        }
        String publishId = newPublishId();
        Path temp = publisher.tempFile(publishId);
        boolean renamed = false;
        try {
            Published published = writeSnapshot(request, deadline, publisher, publishId, temp);
            request.progress().accept("checkpointed and closed " + temp);
            publisher.seal(temp);
            request.progress().accept("made read-only (0444) and fsynced " + temp);
            publisher.verify(temp, published.tables(), publishId);
            request.progress().accept("verified row counts of " + published.tables().size() + " tables");
            long bytes = Files.size(temp);
            AtomicPublisher.Handoff handoff = publisher.handOff(temp, publishId, request.handoff(),
                    request.progress());
            if (historySkipped == null) {
                historySkipped = history.linkPending(temp, publishId);
            }
            if (historySkipped != null) {
                request.progress().accept("keeping no generation of this publish (" + historySkipped
                        + "); publishing without it");
            }
            publisher.publish(temp);
            renamed = true;
            publisher.removeHandoffLink(publishId, request.progress());
            publisher.discard(publishId);
            Kept kept = historyReadable ? keep(request, history, publishId, historySkipped == null, previous)
                    : Kept.NONE;
            Map<String, Long> rows = new LinkedHashMap<>();
            published.tables().forEach(t -> rows.put(t.qualifiedName(), t.rows()));
            ExportReport report = new ExportReport(publishId, published.at(), published.source(), target,
                    request.schemas(), rows, bytes, Duration.ofNanos(System.nanoTime() - startNanos), leftovers,
                    handoff.waited(), handoff.skipped(), kept.file(), kept.pruned(), historySkipped);
            request.progress().accept(request.workCopy() ? "wrote and verified " + target + " for the upload"
                    : report.toString());
            return report;
        } catch (IOException e) {
            publisher.discard(publishId);
            history.discardPending(publishId);
            throw new ExportException(ExportException.Reason.FAILED, "cannot read the size of " + temp + ": " + e, e);
        } catch (ExportException | RuntimeException e) {
            publisher.discard(publishId);
            if (!renamed && !(e instanceof ExportException ee
                    && ee.reason() == ExportException.Reason.PUBLISHED_NOT_DURABLE)) {
                // Not published: the pending link is no generation. Published: the next run promotes it.
                history.discardPending(publishId);
            }
            throw e;
        }
    }

    /** The new snapshot's generation and the ones pruned after it. */
    private record Kept(Path file, List<String> pruned) {
        static final Kept NONE = new Kept(null, List.of());
    }

    /**
     * After the rename: the pending link (if it was made) becomes the current generation, the
     * previous one is marked as no longer current, and the deletion policy runs. None of this can
     * undo the publish, so a failure is told and left to the next run under the lock, which puts
     * the history right.
     */
    private static Kept keep(ExportRequest request, History history, String publishId, boolean linked,
            String previous) {
        Consumer<String> progress = request.progress();
        Path file = null;
        if (linked) {
            try {
                file = history.promote(publishId);
                progress.accept("kept generation " + publishId + " as " + file);
            } catch (IOException e) {
                progress.accept("published, but cannot rename " + history.pending(publishId) + " to "
                        + history.file(publishId) + ": " + e + "; the next run does");
            }
        }
        if (previous != null) {
            try {
                history.markNotCurrent(previous, Instant.now());
            } catch (IOException e) {
                progress.accept("published, but cannot record when generation " + previous
                        + " stopped being current: " + e + "; the next run records it");
            }
        }
        try {
            return new Kept(file, history.prune(request.keep(), request.keepFor(), Instant.now(), progress,
                    new ArrayList<>()).pruned());
        } catch (IOException e) {
            progress.accept("published, but cannot prune the generations in " + history.directory() + ": " + e
                    + "; the next run tries again");
            return new Kept(file, List.of());
        }
    }

    private record Published(List<CopiedTable> tables, Instant at, String source) {
    }

    private static Published writeSnapshot(ExportRequest request, Deadline deadline, AtomicPublisher publisher,
            String publishId, Path temp) throws ExportException {
        try (Connection work = openWork(request, publisher, publishId);
                SnapshotSource source = sourceOf(request, deadline)) {
            source.prepare(work);
            String alias = source.targetAlias();
            try (Statement st = work.createStatement()) {
                st.execute("ATTACH " + DuckDb.literal(temp) + " AS " + DuckDb.ident(alias));
            } catch (SQLException e) {
                throw new ExportException(ExportException.Reason.FAILED, "cannot create the snapshot file " + temp
                        + ": " + e.getMessage() + "; check that " + temp.getParent() + " is writable and has space", e);
            }
            request.progress().accept("writing " + temp);
            List<CopiedTable> tables = source.copyInto(work, alias);
            // TIMESTAMPTZ keeps microseconds: the report must show the stored value.
            Instant at = Instant.now().truncatedTo(ChronoUnit.MICROS);
            try (Statement st = work.createStatement()) {
                SnapshotMetadata.write(work, alias, publishId, at, source.description(), tables);
                // Everything into the file itself: a WAL would be lost by the rename.
                st.execute("CHECKPOINT " + DuckDb.ident(alias));
                st.execute("DETACH " + DuckDb.ident(alias));
            } catch (SQLException e) {
                throw new ExportException(ExportException.Reason.FAILED, "cannot finish the snapshot file " + temp
                        + ": " + e.getMessage(), e);
            }
            return new Published(tables, at, source.description());
        } catch (SQLException e) {
            throw new ExportException(ExportException.Reason.FAILED, "cannot start DuckDB for the export: "
                    + e.getMessage(), e);
        }
    }

    private static Connection openWork(ExportRequest request, AtomicPublisher publisher, String publishId)
            throws SQLException, ExportException {
        Connection work = DuckDb.openWorkDatabase();
        try (Statement st = work.createStatement()) {
            // Spill beside the snapshot (same disk, cleaned with the run) instead of the working directory.
            st.execute("SET temp_directory = " + DuckDb.literal(publisher.spillDirectory(publishId)));
            if (request.threads() > 0) {
                st.execute("SET threads = " + request.threads());
            }
        } catch (SQLException e) {
            work.close();
            throw e;
        }
        if (request.memoryLimit() != null) {
            // A failed statement closes DuckDB's Statement object: a separate one for the user's value.
            try (Statement st = work.createStatement()) {
                st.execute("SET memory_limit = " + DuckDb.literal(request.memoryLimit()));
            } catch (SQLException e) {
                work.close();
                throw new ExportException(ExportException.Reason.INVALID_REQUEST, "memory limit '"
                        + request.memoryLimit() + "' (--memory-limit) is not valid for DuckDB: " + e.getMessage()
                        + "; use a size such as 2GB or 512MB", e);
            }
        }
        return work;
    }

    private static SnapshotSource sourceOf(ExportRequest request, Deadline deadline) {
        if (request.source() != null) {
            return new AttachedFileSource(request.source(), request.schemas(), deadline,
                    request.progress());
        }
        return new ArrowCopy(request.sourceConnection(), request.schemas(), request.progress());
    }

    /**
     * Everything that can be refused before a single byte is written, before the lock file is
     * created: the CLI and the library API both come through here.
     */
    static void checkTarget(ExportRequest request) throws ExportException {
        Path target = request.target();
        Path dir = target.getParent();
        checkTargetPath(target);
        if (request.source() != null) {
            checkSourceFile(request.source());
        }
        if (request.source() != null && AttachedFileSource.realPath(request.source())
                .equals(AttachedFileSource.realPath(target))) {
            throw invalid("--source " + request.source() + " and --target " + target + " are the same file "
                    + AttachedFileSource.realPath(target) + "; the target must be a separate file that readers open");
        }
        String catalog = DuckDb.catalogName(target);
        Set<String> seen = new HashSet<>();
        for (String schema : request.schemas()) {
            if (!seen.add(schema.toLowerCase(Locale.ROOT))) {
                throw invalid("schema '" + schema + "' is given twice; pass each --schema once");
            }
            if (DuckDb.sameName(schema, SnapshotMetadata.SCHEMA)) {
                throw invalid("schema '" + schema + "' is reserved for the snapshot's own metadata; "
                        + "rename that schema in the source");
            }
            if (DuckDb.sameName(schema, catalog)) {
                throw invalid("target " + target.getFileName() + " would be opened as catalog '" + catalog
                        + "', the same name as exported schema '" + schema + "', which makes every "
                        + schema + ".<table> ambiguous for readers; name the target differently, e.g. "
                        + dir.resolve("analytics.duckdb"));
            }
        }
        if (DuckDb.sameName(catalog, SnapshotMetadata.SCHEMA)) {
            throw invalid("target " + target.getFileName() + " would be opened as catalog '" + catalog
                    + "', the same name as the metadata schema; name the target differently, e.g. "
                    + dir.resolve("analytics.duckdb"));
        }
    }

    /**
     * What publishing, rolling back and pruning all refuse about the target's path before anything
     * is locked or written: a missing directory, a directory or reserved name as target, a lock file
     * or history directory that cannot be one.
     */
    static void checkTargetPath(Path target) throws ExportException {
        Path dir = target.getParent();
        if (dir == null || !Files.isDirectory(dir)) {
            throw invalid("the target's directory " + dir + " does not exist; create it or choose another --target");
        }
        if (Files.isDirectory(target)) {
            throw invalid("target " + target + " is a directory; --target must name a DuckDB file");
        }
        String lowerName = target.getFileName().toString().toLowerCase(Locale.ROOT);
        for (String suffix : RESERVED_TARGET_SUFFIXES) {
            if (lowerName.endsWith(suffix)) {
                throw invalid("target " + target + " ends in " + suffix + ", " + (suffix.equals(".lock")
                        ? "the name of another target's lock file" : "the name DuckDB gives a database's "
                        + "write-ahead log (it would replay or delete it as the WAL of another file)")
                        + "; --target must name a DuckDB file, e.g. " + dir.resolve("analytics.duckdb"));
            }
        }
        Path lockFile = TargetLock.lockFileOf(target);
        if (Files.isDirectory(lockFile)) {
            throw invalid("the target's lock file " + lockFile + " is a directory, so no exporter can lock "
                    + target + "; remove that directory (nothing but the exporter uses this name) and run again");
        }
        Path history = History.directoryOf(target);
        if (Files.exists(history, LinkOption.NOFOLLOW_LINKS)
                && !Files.isDirectory(history, LinkOption.NOFOLLOW_LINKS)) {
            throw invalid("the target's history directory " + history + " is not a directory, so no generation of "
                    + target + " can be kept; remove it (nothing but the exporter uses this name) and run again");
        }
    }

    /**
     * Names DuckDB gives a database's write-ahead log (and its checkpoint and recovery files), and
     * the exporter's own lock files: a snapshot published under one of them would be taken for one.
     */
    private static final List<String> RESERVED_TARGET_SUFFIXES = List.of(".wal", ".wal.checkpoint", ".wal.recovery",
            ".lock");

    private static final byte[] SQLITE_HEADER = "SQLite format 3\0".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] DUCKDB_MAGIC = "DUCK".getBytes(StandardCharsets.US_ASCII);
    /** DuckDB's main header starts after an 8-byte checksum with the magic bytes "DUCK". */
    private static final int DUCKDB_MAGIC_OFFSET = 8;

    /**
     * The source must be a DuckDB file, told by its first bytes before anything is locked or
     * written: DuckDB itself answers a SQLite file with "install sqlite_scanner", which sends users
     * looking for an extension instead of the right file.
     */
    static void checkSourceFile(Path source) throws ExportException {
        if (!Files.isRegularFile(source)) {
            throw invalid("source " + source + " does not exist or is not a file; pass the lakehouse's DuckDB file "
                    + "with --source");
        }
        byte[] head = new byte[SQLITE_HEADER.length];
        int read = 0;
        try (InputStream in = Files.newInputStream(source)) {
            read = in.readNBytes(head, 0, head.length);
        } catch (IOException e) {
            throw invalid("cannot read source " + source + ": " + e + "; check that this user may read it", e);
        }
        if (read == SQLITE_HEADER.length && Arrays.equals(head, SQLITE_HEADER)) {
            throw invalid("source " + source + " is a SQLite database, not a DuckDB file; pass the lakehouse's "
                    + "DuckDB file with --source (to export SQLite tables, copy them into DuckDB first, or use "
                    + "ExportRequest.builder().sourceConnection(...) with a SQLite JDBC connection)");
        }
        if (read < DUCKDB_MAGIC_OFFSET + DUCKDB_MAGIC.length || !Arrays.equals(head, DUCKDB_MAGIC_OFFSET,
                DUCKDB_MAGIC_OFFSET + DUCKDB_MAGIC.length, DUCKDB_MAGIC, 0, DUCKDB_MAGIC.length)) {
            throw invalid("source " + source + " is not a DuckDB file (" + (read == 0 ? "it is empty"
                    : "no \"DUCK\" at byte 8 of its header") + "); pass the lakehouse's DuckDB file with --source");
        }
    }

    private static ExportException invalid(String message, Throwable cause) {
        return new ExportException(ExportException.Reason.INVALID_REQUEST, message, cause);
    }

    private static ExportException invalid(String message) {
        return new ExportException(ExportException.Reason.INVALID_REQUEST, message);
    }

    /** Sortable by time, unique by a random suffix: {@code 20250301T120000Z-3f9a1c}. */
    static String newPublishId() {
        return ID_TIME.format(Instant.now()) + "-" + String.format(Locale.ROOT, "%06x", RANDOM.nextInt(1 << 24));
    }
}
