package io.duckserving.jdbc.snapshot;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.duckdb.DuckDBConnection;
import org.duckdb.DuckDBDriver;

/**
 * One DuckDB database opened read-only on one file (one file key: device and inode). Reference
 * counted: the registry holds one reference while the snapshot is current, every
 * {@link SnapshotSession} one more; the database closes when the count reaches zero.
 */
public final class Snapshot {
    private static final Logger LOG = Logger.getLogger(Engine.LOGGER_NAME);
    private static final DuckDBDriver DUCKDB = new DuckDBDriver();
    private static final AtomicLong SEQUENCE = new AtomicLong();
    private static final AtomicLong OPENED = new AtomicLong();
    private static final AtomicInteger OPEN = new AtomicInteger();
    /** A file replaced during our open is opened again, this many times at most. */
    private static final int OPEN_ATTEMPTS = 3;
    /**
     * Runs just before each DuckDB open. A seam for tests only: an open that hangs inside DuckDB (a
     * FIFO raced in after every check, a hung network file system) cannot be caused on demand.
     */
    static volatile java.util.function.Consumer<Path> beforeOpen = p -> { };
    private static final java.util.Set<Path> NO_LINK_WARNED = java.util.concurrent.ConcurrentHashMap.newKeySet();

    final long id;
    final Path path;
    /**
     * The file key of the file this snapshot holds, or null when files were renamed over the path
     * during every attempt to open it: then it holds that file or a newer one, but which is unknown.
     */
    final Object fileKey;
    /** {@link System#nanoTime()} just before the path was looked at for this open. */
    final long openStartedNanos;
    private final DuckDBConnection root;
    private final Path spillDirectory;
    private final AtomicInteger references = new AtomicInteger(1);
    private volatile boolean retired;
    private volatile boolean closed;
    /** The exporter's publish this file holds, or null: read once, when it opens. */
    volatile Publication publication;
    /** What the warm-up ran on this snapshot before it became current. */
    volatile WarmUp.Report warmUp = WarmUp.Report.NONE;

    Snapshot(long id, Path path, Object fileKey, long openStartedNanos, DuckDBConnection root,
            Path spillDirectory) {
        this.id = id;
        this.path = path;
        this.fileKey = fileKey;
        this.openStartedNanos = openStartedNanos;
        this.root = root;
        this.spillDirectory = spillDirectory;
    }

    /**
     * A snapshot of a DuckDB database opened by other means: for the engine's unit tests, which
     * give the registry databases of their own instead of files.
     */
    static Snapshot ofOpenDatabase(Path published, Object fileKey, long openStartedNanos, DuckDBConnection root,
            Path spillDirectory) {
        OPENED.incrementAndGet();
        OPEN.incrementAndGet();
        return new Snapshot(SEQUENCE.incrementAndGet(), published, fileKey, openStartedNanos, root, spillDirectory);
    }

    /**
     * Opens {@code file} as a snapshot of {@code published}: the published path itself, or a name
     * under which the exporter hands the next file off before renaming it over the path. DuckDB
     * names the catalog after the file it opens, so a handed-off file is opened only through a
     * private link named as the published file.
     *
     * <p>The file is stat-ed before and after the open: if the
     * file key moved in between, another file was renamed over it during the open and we cannot
     * know which one DuckDB got, so we open again. When files keep arriving faster than an open
     * takes, the last attempt is kept unverified: it holds the file seen before it or a newer one,
     * fresh enough for every statement that started before it, and the next check opens again.
     *
     * <p>Nothing that is not a regular file reaches DuckDB (a FIFO would block its open forever).
     * Unless SQL may reach files, DuckDB opens the file through a {@link PrivateLink}, so the
     * names DuckDB lets SQL write are not the published file's; where no link can be made, SQL is
     * denied the local file system altogether (and so is spilling). Unless SQL may change
     * instance-wide settings, the configuration is locked before any reader gets a connection.
     */
    static Snapshot open(Path file, Path published, DuckDbOptions options, Path spillRoot)
            throws SQLException, IOException {
        if (!file.equals(published) && options.externalAccess()) {
            throw new IOException(file + " is not opened ahead of its rename when SQL may reach files: DuckDB would "
                    + "name the catalog after it");
        }
        SpillRoot.prepare(spillRoot);
        for (int attempt = 1; ; attempt++) {
            long started = System.nanoTime();
            BasicFileAttributes seen = Files.readAttributes(file, BasicFileAttributes.class);
            // The type only: reading the headers opens the path, and a FIFO renamed over it after
            // this stat would block that open(2) forever (and every reader waiting for this open).
            // The headers are read below through the private link, whose inode cannot change.
            SnapshotFileCheck.checkType(file, seen);
            Object before = seen.fileKey();
            long id = SEQUENCE.incrementAndGet();
            Path spill = SpillRoot.spillDirectory(spillRoot, id);
            PrivateLink link = options.externalAccess() ? null : linkOrNull(file, published, id);
            boolean denyFiles = link == null && !options.externalAccess();
            if (link == null) {
                // Nothing pins the inode: a FIFO renamed over the path from now until DuckDB's open
                // still blocks. Only setups without a private link (external access allowed, or no
                // hard link possible beside the file) have this window.
                if (!file.equals(published)) {
                    throw new IOException(file + " cannot be opened ahead of its rename without a private link");
                }
                SnapshotFileCheck.check(file, seen);
            }
            Object opened = link == null ? before : link.attributes.fileKey();
            DuckDBConnection root;
            try {
                beforeOpen.accept(file);
                root = (DuckDBConnection) DUCKDB.connect("jdbc:duckdb:" + (link == null ? file : link.link),
                        options.toProperties(spill.toString()));
            } finally {
                if (link != null) {
                    link.unlink();
                }
            }
            OPENED.incrementAndGet();
            OPEN.incrementAndGet();
            Object after;
            try {
                if (denyFiles) {
                    try (Statement st = root.createStatement()) {
                        st.execute("SET disabled_filesystems = 'LocalFileSystem'");
                    }
                }
                SnapshotFileCheck.checkRowCounts(root, file);
                if (!options.instanceSettings()) {
                    SessionSettings.lock(root);
                }
                after = Files.readAttributes(file, BasicFileAttributes.class).fileKey();
            } catch (SQLException | IOException | RuntimeException e) {
                closeQuietly(root, spill);
                throw e;
            }
            if (before.equals(after) && before.equals(opened) || attempt == OPEN_ATTEMPTS) {
                Snapshot snapshot = new Snapshot(id, published, before.equals(after) && before.equals(opened) ? before
                        : null, started, root, spill);
                snapshot.publication = Publication.read(root);
                return snapshot;
            }
            Path replaced = file;
            LOG.fine(() -> replaced + " was replaced during its open: opening it again");
            closeQuietly(root, spill);
        }
    }

    /**
     * A private link to the file now at {@code path}, its headers checked through it (the inode
     * DuckDB will get, whatever is renamed over the path meanwhile); null, after a warning, where
     * no link can be made here. A FIFO or directory raced in is a bad file, never a reason to open
     * the path itself.
     */
    private static PrivateLink linkOrNull(Path path, Path published, long id) throws IOException {
        PrivateLink link;
        try {
            link = PrivateLink.create(path, published.getFileName().toString(), id);
        } catch (BrokenSnapshotException e) {
            throw e;
        } catch (IOException | UnsupportedOperationException e) {
            warnNoLink(path, e);
            return null;
        }
        try {
            SnapshotFileCheck.check(link.link, link.attributes, path);
        } catch (IOException e) {
            link.unlink();
            throw e;
        }
        return link;
    }

    private static void warnNoLink(Path path, Exception e) {
        String message = path + ": cannot make a private link beside the published file (" + e
                + "), so SQL is denied every local file for this snapshot, and DuckDB cannot spill to disk. Let "
                + "readers create a directory beside the file (same user and file system as the file), or set "
                + PropertyNames.ALLOW_EXTERNAL_ACCESS + "=true if every reader is trusted.";
        if (NO_LINK_WARNED.add(path)) {
            LOG.warning(message);
        } else {
            LOG.fine(message);
        }
    }

    /**
     * DuckDB names the catalog after the file ({@code serving.duckdb} is catalog {@code serving});
     * a schema of the same name makes every {@code serving.t} ambiguous, and DuckDB's own error
     * does not say why. Logged once per path, with the fix.
     */
    void warnIfCatalogClashes() {
        try (Statement st = root.createStatement();
             ResultSet rs = st.executeQuery("SELECT current_database() FROM duckdb_schemas() "
                     + "WHERE database_name = current_database() AND schema_name = current_database()")) {
            if (rs.next()) {
                String name = rs.getString(1);
                LOG.warning(() -> path + " opens as catalog '" + name + "', the same name as a schema in it, so "
                        + name + ".<table> is ambiguous to DuckDB. Publish the file under another name (the "
                        + "exporter refuses such targets), e.g. analytics.duckdb.");
            }
        } catch (SQLException e) {
            LOG.log(Level.FINE, "could not check the catalog name of " + path, e);
        }
    }

    /** A new DuckDB connection on this database (about 13 us), or null if the snapshot already closed. */
    DuckDBConnection connect() throws SQLException {
        if (!tryAcquire()) {
            return null;
        }
        try {
            return root.duplicate();
        } catch (SQLException | RuntimeException e) {
            release();
            throw e;
        }
    }

    private boolean tryAcquire() {
        for (int n = references.get(); n > 0; n = references.get()) {
            if (references.compareAndSet(n, n + 1)) {
                return true;
            }
        }
        return false;
    }

    void release() {
        if (references.decrementAndGet() == 0) {
            closed = true;
            closeQuietly(root, spillDirectory);
        }
    }

    /** Whether its DuckDB database has closed (the last user let go). */
    boolean isClosed() {
        return closed;
    }

    /** Called once by the registry when a newer snapshot replaces this one; drops the registry's reference. */
    void retire() {
        retired = true;
        release();
    }

    /** Whether {@code published} (the path's attributes, null if nothing is there) is the file this snapshot holds. */
    boolean isFileOf(java.nio.file.attribute.BasicFileAttributes published) {
        return published != null && published.fileKey().equals(fileKey);
    }

    boolean isRetired() {
        return retired;
    }

    public static long opened() {
        return OPENED.get();
    }

    public static int open() {
        return OPEN.get();
    }

    private static void closeQuietly(DuckDBConnection root, Path spill) {
        try {
            root.close();
        } catch (SQLException | RuntimeException e) {
            LOG.log(Level.FINE, "closing a snapshot of " + spill + " failed", e);
        } finally {
            OPEN.decrementAndGet();
        }
        SpillRoot.deleteQuietly(spill);
    }

    @Override
    public String toString() {
        return "snapshot " + id + " of " + path;
    }
}
