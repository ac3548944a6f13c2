package io.duckserving.exporter;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Puts a finished snapshot in place: temporary files live beside the target (same file system,
 * so the rename is atomic) under the recognisable name {@code .<target>.tmp-<publishId>}; a
 * snapshot is sealed (no WAL, mode 0444, fsynced), verified read-only, handed off to watching readers
 * under {@code .<target>.tmp-<publishId>.handoff} (a hard link, so the same inode the rename publishes),
 * renamed over the target, and the directory is fsynced so the rename itself survives a power cut.
 * A rollback renames a hard link {@code .<target>.tmp-<publishId>.rollback} to a kept generation
 * over the target the same way. The history directory {@code .<target>.history} is never a leftover.
 */
final class AtomicPublisher {

    private static final Pattern LEFTOVER_AFTER_PREFIX = Pattern.compile(
            Exporter.PUBLISH_ID_PATTERN + "(\\.[a-z]+)*");

    /** r--r--r--: see {@link #seal}. */
    static final Set<PosixFilePermission> PUBLISHED_MODE = PosixFilePermissions.fromString("r--r--r--");

    private final Path target;
    private final Path directory;
    private final String tempPrefix;

    AtomicPublisher(Path target) {
        this.target = target;
        this.directory = target.getParent();
        this.tempPrefix = "." + target.getFileName() + ".tmp-";
    }

    Path tempFile(String publishId) {
        return directory.resolve(tempPrefix + publishId);
    }

    /** Where DuckDB may spill during the copy: same disk as the snapshot, removed afterwards. */
    Path spillDirectory(String publishId) {
        return directory.resolve(tempPrefix + publishId + ".spill");
    }

    /**
     * The name watching drivers look for: a hard link to the sealed, verified temporary file, so its
     * file key is the one the target gets at the rename. It matches the leftover pattern, so a
     * killed run's link is removed by the next run like its other temporary files.
     */
    Path handoffLink(String publishId) {
        return directory.resolve(tempPrefix + publishId + ".handoff");
    }

    /**
     * A rollback's new name for a kept generation before it is renamed over the target: a hard
     * link, so nothing is copied. It matches the leftover pattern, so the next run removes the link
     * of a killed rollback; drivers do not watch it (it is no handoff name).
     */
    Path rollbackLink(String publishId) {
        return directory.resolve(tempPrefix + publishId + ".rollback");
    }

    private static Path walOf(Path database) {
        return database.resolveSibling(database.getFileName() + ".wal");
    }

    /** Removes what killed runs left behind. Call only while holding the target's lock. */
    List<Path> removeLeftovers() throws ExportException {
        List<Path> removed = new ArrayList<>();
        // No glob: the target's name may hold glob characters ("data[1]" would match "data1").
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(directory)) {
            for (Path entry : entries) {
                if (isOurLeftover(entry.getFileName().toString())) {
                    deleteRecursively(entry);
                    removed.add(entry);
                }
            }
        } catch (IOException e) {
            throw new ExportException(ExportException.Reason.FAILED, "cannot remove leftovers of an earlier run in "
                    + directory + ": " + e + "; delete the files named " + tempPrefix + "* by hand", e);
        }
        return removed;
    }

    /**
     * Our prefix followed by a well-formed publish id and DuckDB's own suffixes (.wal, .spill):
     * another target's name can start with our prefix, but then a well-formed id does not follow.
     */
    private boolean isOurLeftover(String name) {
        return name.startsWith(tempPrefix)
                && LEFTOVER_AFTER_PREFIX.matcher(name.substring(tempPrefix.length())).matches()
                // Never a history directory: a target named "analytics.duckdb.tmp-<id>" keeps its history in
                // ".analytics.duckdb.tmp-<id>.history", which would otherwise look like ours.
                && !name.endsWith(History.DIRECTORY_SUFFIX);
    }

    /** Removes this run's temporary files; used on failure, so it never throws. */
    void discard(String publishId) {
        for (Path path : List.of(handoffLink(publishId), tempFile(publishId), walOf(tempFile(publishId)),
                spillDirectory(publishId))) {
            try {
                deleteRecursively(path);
            } catch (IOException ignored) {
                // the next run removes it (removeLeftovers)
            }
        }
    }

    /**
     * The closed snapshot must stand alone (a WAL beside it would be lost by the rename), and is
     * made read-only for everyone (0444): readers need no write bit, and a reader process of the
     * same user then cannot truncate it by accident. The fsync opens the file for reading (fsync
     * works on a read-only descriptor, and a 0444 file cannot be opened for writing except by
     * root), after the mode change, so that reaches the disk as well.
     */
    void seal(Path temp) throws ExportException {
        if (Files.exists(walOf(temp))) {
            throw new ExportException(ExportException.Reason.FAILED, "DuckDB left a write-ahead log "
                    + walOf(temp) + " after the checkpoint; refusing to publish a snapshot that depends on it");
        }
        try {
            if (Files.getFileStore(temp).supportsFileAttributeView(PosixFileAttributeView.class)) {
                Files.setPosixFilePermissions(temp, PUBLISHED_MODE);
            }
        } catch (IOException e) {
            throw new ExportException(ExportException.Reason.FAILED, "cannot make " + temp + " read-only (0444): "
                    + e + "; check that this user owns the files it creates in " + directory, e);
        }
        try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException e) {
            throw new ExportException(ExportException.Reason.FAILED, "cannot fsync " + temp + ": " + e, e);
        }
    }

    /** Opens the sealed snapshot read-only and checks that every table has the rows that were copied. */
    void verify(Path temp, List<CopiedTable> expected, String publishId) throws ExportException {
        String alias = "serving_export_verify";
        try (Connection conn = DuckDb.openInMemory(); Statement st = conn.createStatement()) {
            st.execute("ATTACH " + DuckDb.literal(temp) + " AS " + alias + " (READ_ONLY)");
            for (CopiedTable table : expected) {
                long rows = count(st, "SELECT count(*) FROM " + table.sqlName(alias));
                if (rows != table.rows()) {
                    throw new ExportException(ExportException.Reason.FAILED, "verification of " + temp + " failed: "
                            + table.qualifiedName() + " has " + rows + " rows, " + table.rows() + " were copied");
                }
            }
            long published = count(st, "SELECT count(*) FROM " + alias + "." + SnapshotMetadata.SCHEMA
                    + ".publish WHERE publish_id = " + DuckDb.literal(publishId));
            if (published != 1) {
                throw new ExportException(ExportException.Reason.FAILED, "verification of " + temp
                        + " failed: serving_meta.publish does not hold publish id " + publishId);
            }
            st.execute("DETACH " + alias);
        } catch (SQLException e) {
            throw new ExportException(ExportException.Reason.FAILED, "verification of " + temp
                    + " failed: cannot read it back: " + e.getMessage(), e);
        }
    }

    private static long count(Statement st, String sql) throws SQLException {
        try (ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** What the handoff did: how long the snapshot waited under its handoff name, or why there was none. */
    record Handoff(Duration waited, String skipped) {
        static final Handoff OFF = new Handoff(Duration.ZERO, null);
    }

    /**
     * Makes the sealed, verified snapshot visible to watching drivers under {@link #handoffLink}
     * and waits {@code duration}, so they can open and warm it before the rename makes it current.
     * A directory that refuses hard links skips the handoff (the publish goes on without it): the
     * handoff only saves readers the cold start, it is no condition for a correct publish. The link
     * needs no directory fsync: after a power cut it is a leftover or nothing.
     */
    Handoff handOff(Path temp, String publishId, Duration duration, Consumer<String> progress)
            throws ExportException {
        if (duration.isZero()) {
            return Handoff.OFF;
        }
        Path link = handoffLink(publishId);
        try {
            Files.createLink(link, temp);
        } catch (IOException | UnsupportedOperationException e) {
            String why = "cannot hard-link " + link + " to " + temp + ": " + reasonOf(e);
            progress.accept("skipping the handoff to readers (" + why + "); publishing without it");
            return new Handoff(Duration.ZERO, why);
        }
        progress.accept("handing off " + link + " to readers for " + Durations.format(duration));
        try {
            TimeUnit.NANOSECONDS.sleep(duration.toNanos());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ExportException(ExportException.Reason.FAILED, "interrupted during the handoff of " + link
                    + " to readers; " + target + " is untouched", e);
        }
        return new Handoff(duration, null);
    }

    /** FileSystemException's own message repeats both paths: its reason alone says "Operation not permitted". */
    static String reasonOf(Exception e) {
        return e instanceof FileSystemException fse && fse.getReason() != null ? fse.getReason() : e.toString();
    }

    /**
     * After the rename the handoff name goes. A failure here does not undo a good publish: it is
     * reported, and the next run removes the link as a leftover.
     */
    void removeHandoffLink(String publishId, Consumer<String> progress) {
        Path link = handoffLink(publishId);
        try {
            Files.deleteIfExists(link);
        } catch (IOException e) {
            progress.accept("published, but cannot remove the handoff link " + link + ": " + e
                    + "; the next run removes it");
        }
    }

    /**
     * The atomic step: after it, readers opening the target get the new snapshot. {@code temp} is
     * the sealed temporary file of an export, or a rollback's link to a kept generation.
     */
    void publish(Path temp) throws ExportException {
        try {
            // A WAL beside the target (someone opened it read-write) would be replayed against
            // the new file and break it ("WAL does not match database file").
            Files.deleteIfExists(walOf(target));
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new ExportException(ExportException.Reason.FAILED, "cannot rename " + temp + " over " + target
                    + ": " + e, e);
        }
        try (FileChannel dir = FileChannel.open(directory, StandardOpenOption.READ)) {
            dir.force(true);
        } catch (IOException e) {
            throw new ExportException(ExportException.Reason.PUBLISHED_NOT_DURABLE, "published " + target
                    + " (readers see the new snapshot) but cannot fsync its directory " + directory + ": " + e
                    + "; a power cut may bring back the previous snapshot: check the file system, then export again",
                    e);
        }
    }

    private static void deleteRecursively(Path path) throws IOException {
        if (!Files.isDirectory(path)) {
            Files.deleteIfExists(path);
            return;
        }
        try (Stream<Path> walk = Files.walk(path)) {
            for (Path p : (Iterable<Path>) walk.sorted(Comparator.reverseOrder())::iterator) {
                try {
                    Files.deleteIfExists(p);
                } catch (NoSuchFileException ignored) {
                    // already gone
                }
            }
        }
    }
}
