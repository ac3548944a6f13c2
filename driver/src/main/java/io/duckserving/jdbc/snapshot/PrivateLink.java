package io.duckserving.jdbc.snapshot;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * A private name for one open of a published file: a hard link in a directory of our own beside
 * it, removed as soon as DuckDB has the file open.
 *
 * <p>Why: with external access off, DuckDB still lets SQL write and read the database's own path
 * and its {@code .wal}, {@code .wal.checkpoint} and {@code .wal.recovery} names (measured on
 * duckdb_jdbc 2.0.0.1: {@code COPY ... TO '<db>' (USE_TMP_FILE false)} truncates it). Opened
 * through this link, those allowed names are the link's, in a directory that no longer exists: a
 * {@code COPY} there fails and the published file is out of reach. A symbolic
 * link does not do: DuckDB resolves it and allows the real path. The link also pins the exact
 * inode DuckDB opens, so nothing renamed over the path meanwhile (a FIFO included) can reach
 * DuckDB.
 */
final class PrivateLink {
    private static final Logger LOG = Logger.getLogger(Engine.LOGGER_NAME);
    private static final String ROOT_PREFIX = ".duckdb-serving-";

    private final Path root;
    /** The per-open directory, removed with the link. */
    final Path directory;
    /** The link DuckDB opens, named as the published file so the catalog keeps its name. */
    final Path link;
    /** The linked file's attributes: exactly the inode DuckDB will open. */
    final BasicFileAttributes attributes;

    private PrivateLink(Path root, Path directory, Path link, BasicFileAttributes attributes) {
        this.root = root;
        this.directory = directory;
        this.link = link;
        this.attributes = attributes;
    }

    /**
     * Links the file now at {@code path} (followed through symbolic links) into a fresh private
     * directory beside it, under {@code linkName}: the published file's name, which DuckDB makes
     * the catalog's name, whatever name the file was found under. Throws {@link IOException} when that is impossible here (another file
     * system for the real file, no write permission on its directory, a file system without hard
     * links); the caller then falls back.
     */
    static PrivateLink create(Path path, String linkName, long snapshotId) throws IOException {
        Path real = path.toRealPath();
        Path root = real.getParent().resolve(ROOT_PREFIX + SpillRoot.userName());
        Path dir = SpillRoot.spillDirectory(root, snapshotId);
        for (int attempt = 1; ; attempt++) {
            SpillRoot.createPrivate(root);
            SpillRoot.removeOrphans(root); // a JVM killed between link and unlink left a name for an old inode
            try {
                Files.createDirectory(dir);
                break;
            } catch (java.nio.file.NoSuchFileException e) {
                if (attempt == 3) {
                    throw e; // another opener keeps removing the empty root: give up, the caller falls back
                }
            }
        }
        try {
            Path link = dir.resolve(linkName);
            try {
                Files.createLink(link, real);
            } catch (IOException e) {
                // a directory renamed in since the caller's stat cannot be linked: say so, rather than
                // "cannot link here", after which the caller would open the path itself
                if (!Files.isRegularFile(real, LinkOption.NOFOLLOW_LINKS)) {
                    throw notRegular(path, e);
                }
                throw e;
            }
            BasicFileAttributes a = Files.readAttributes(link, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            PrivateLink created = new PrivateLink(root, dir, link, a);
            if (!a.isRegularFile()) {
                // not "cannot link here": the caller must not fall back to opening the path itself
                throw notRegular(path, null);
            }
            return created;
        } catch (IOException | RuntimeException e) {
            removeDirectories(root, dir);
            throw e;
        }
    }

    private static BrokenSnapshotException notRegular(Path path, IOException cause) {
        return new BrokenSnapshotException(path + " is not a regular file (one was renamed over it while the driver "
                + "opened it): publish a DuckDB database file at this path (the exporter does)", cause);
    }

    /**
     * DuckDB has the file open: the link, its directory and (if empty) the root go, so no SQL can
     * reach the published inode through the names DuckDB allows (they now name nothing, in a
     * directory that does not exist), and nothing is left beside the published file.
     */
    void unlink() {
        try {
            Files.deleteIfExists(link);
        } catch (IOException e) {
            LOG.log(Level.WARNING, "could not remove the private link " + link, e);
        }
        removeDirectories(root, directory);
    }

    /** The per-open directory, and the root too if no other open is using it. */
    private static void removeDirectories(Path root, Path directory) {
        SpillRoot.deleteQuietly(directory);
        try {
            Files.deleteIfExists(root);
        } catch (IOException e) {
            // Not empty: another open is under way.
        }
    }

    static boolean isPrivateRoot(Path p) {
        Path name = p.getFileName();
        return name != null && name.toString().startsWith(ROOT_PREFIX);
    }
}
