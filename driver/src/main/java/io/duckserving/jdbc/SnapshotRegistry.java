package io.duckserving.jdbc;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.logging.Logger;

/**
 * The current snapshot of one path under one DuckDB configuration, shared by every connection of
 * the JVM. Notices a newly published file by its file key, opens it once (other threads wait for
 * that open rather than read the older snapshot), and falls back to the last good snapshot when
 * the new file cannot be opened.
 */
final class SnapshotRegistry {
    private static final Logger LOG = Logger.getLogger(ServingDriver.LOGGER_NAME);
    private static final ConcurrentHashMap<Key, SnapshotRegistry> REGISTRIES = new ConcurrentHashMap<>();
    /**
     * A registry nobody uses closes its snapshot and leaves the map after this long, so an idle
     * JVM holds no file open and a long-lived one does not collect registries of old paths.
     */
    private static final long IDLE_CLOSE_MILLIS = 10_000;
    /** Watches published files and closes unused snapshots; the work is a stat per path per interval. */
    private static final ScheduledExecutorService BACKGROUND = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "duckdb-serving-watcher");
        t.setDaemon(true);
        return t;
    });

    private final Path path;
    private final DuckDbOptions options;
    private final Path spillRoot;
    private final ReentrantLock openLock = new ReentrantLock();
    private final Set<SnapshotBinding> connections = ConcurrentHashMap.newKeySet();
    private volatile Snapshot current;
    private volatile long nextCheckNanos = System.nanoTime(); // nanoTime may be negative: never compare with 0
    /** The published file that last failed to open, so it is not retried on every statement. */
    private volatile OpenFailure failure;
    private ScheduledFuture<?> idleClose;
    private ScheduledFuture<?> watcher;
    /** Left the map: a connection that finds it closed looks its path up again. */
    private boolean closed;
    private final Key key;

    /** The settings of the connection that created this registry, for the watcher's own checks. */
    private final ServingUrl watcherSettings;

    private SnapshotRegistry(ServingUrl url, Key key) {
        this.key = key;
        this.path = url.path;
        this.options = url.duckDb;
        this.spillRoot = url.spillRoot;
        this.watcherSettings = url;
    }

    /** The registry of {@code url}'s path and DuckDB options, with {@code connection} registered in it. */
    static SnapshotRegistry register(ServingUrl url, SnapshotBinding connection) {
        while (true) {
            SnapshotRegistry registry = REGISTRIES.computeIfAbsent(new Key(url.path, url.duckDb), k -> {
                SnapshotRegistry created = new SnapshotRegistry(url, k);
                if (url.watchIntervalMillis > 0) {
                    created.watcher = BACKGROUND.scheduleWithFixedDelay(created::watch, url.watchIntervalMillis,
                            url.watchIntervalMillis, TimeUnit.MILLISECONDS);
                }
                return created;
            });
            if (registry.add(connection)) {
                return registry;
            }
        }
    }

    /** Whether a registry of {@code path} (under any DuckDB options) is alive in this JVM. */
    static boolean isKnown(Path path) {
        return REGISTRIES.keySet().stream().anyMatch(k -> k.path.equals(path));
    }

    /**
     * Notices a new file even when no statement runs, so idle connections let go of the replaced
     * snapshot (and its deleted file) at once, and the next statement finds the new one open.
     */
    private void watch() {
        Snapshot s = current;
        if (s == null || connections.isEmpty()) {
            return; // nobody to move; an unused snapshot closes on its own
        }
        BasicFileAttributes published = stat();
        if (published != null && published.fileKey().equals(s.fileKey)) {
            return;
        }
        try {
            refresh(published, System.nanoTime(), watcherSettings);
        } catch (SQLException | RuntimeException e) {
            // Statements report staleness to their callers; the watcher only tries.
        }
    }

    Path path() {
        return path;
    }

    /**
     * The snapshot a statement starting now must use: the newest published file, or the last good
     * snapshot while the newest cannot be opened. The hot path is one volatile read and one stat.
     */
    Snapshot current(ServingUrl settings) throws SQLException {
        Snapshot s = current;
        long now = System.nanoTime();
        if (s != null) {
            if (settings.checkIntervalNanos > 0) {
                if (now - nextCheckNanos < 0) {
                    return s;
                }
                nextCheckNanos = now + settings.checkIntervalNanos;
            }
            BasicFileAttributes published = stat();
            if (published != null && published.fileKey().equals(s.fileKey)) {
                if (failure != null) {
                    failure = null; // the bad file is gone: a later one starts its own staleness clock
                }
                return s;
            }
            return refresh(published, now, settings);
        }
        return refresh(stat(), now, settings);
    }

    /**
     * The slow path: a new file, a missing one, or an unverified snapshot. {@code asOfNanos} is
     * when the caller looked at the path; any snapshot whose open started after that is fresh
     * enough for the caller, which is what keeps waiting threads from opening one after another.
     */
    private Snapshot refresh(BasicFileAttributes published, long asOfNanos, ServingUrl settings)
            throws SQLException {
        Snapshot fallback = current;
        OpenFailure known = failure;
        if (fallback != null && known != null && known.isSameFile(published) && !known.retryDue()) {
            return staleOrThrow(fallback, known, settings);
        }
        openLock.lock();
        try {
            Snapshot s = current;
            if (s != null && s.openStartedNanos - asOfNanos >= 0) {
                return s;
            }
            published = stat();
            if (s != null && published != null && published.fileKey().equals(s.fileKey)) {
                return s;
            }
            known = failure;
            if (s != null && known != null && known.isSameFile(published) && !known.retryDue()) {
                return staleOrThrow(s, known, settings);
            }
            try {
                if (published == null) {
                    throw new NoSuchFileException(path.toString());
                }
                Snapshot opened = Snapshot.open(path, options, spillRoot);
                if (s == null) {
                    opened.warnIfCatalogClashes(); // the file name never changes between publishes
                }
                install(opened);
                return opened;
            } catch (SQLException | IOException | RuntimeException e) {
                OpenFailure f = OpenFailure.after(known, published, e, settings.retryIntervalNanos);
                failure = f;
                if (known == null || !known.message.equals(f.message)) {
                    LOG.warning(() -> (s == null ? "Cannot open " : "Keeping " + s + ": cannot open the file now at ")
                            + path + ": " + f.message);
                }
                if (s == null) {
                    if (isBadOption(f.message)) {
                        throw new SQLException("DuckDB refused an option for " + path + ": " + f.message
                                + ". Fix it in the URL (;key=value) or the connection Properties.",
                                SqlStates.INVALID_PARAMETER, e);
                    }
                    throw new SQLNonTransientConnectionException("Cannot open DuckDB snapshot " + path + ": "
                            + f.message + ". Check that the exporter has published a complete DuckDB file there.",
                            SqlStates.CANNOT_CONNECT, e);
                }
                return staleOrThrow(s, f, settings);
            }
        } finally {
            openLock.unlock();
        }
    }

    /** DuckDB's words for an unknown option or a bad option value, as opposed to a bad file. */
    private static boolean isBadOption(String message) {
        return message.contains("options were not recognized") || message.contains("configuration option");
    }

    private Snapshot staleOrThrow(Snapshot s, OpenFailure f, ServingUrl settings) throws SQLException {
        if (settings.maxStalenessNanos > 0 && System.nanoTime() - f.firstFailureNanos > settings.maxStalenessNanos) {
            throw new SQLNonTransientConnectionException("The newest file at " + path + " has not been readable for "
                    + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - f.firstFailureNanos) + " ms (more than "
                    + ServingProperty.MAX_STALENESS_MS.getName() + "): " + f.message
                    + ". Publish a complete DuckDB file there again.", SqlStates.CONNECTION_FAILURE);
        }
        return s;
    }

    private void install(Snapshot opened) {
        Snapshot old = current;
        current = opened;
        failure = null;
        if (old != null) {
            LOG.fine(() -> "Moved " + path + " from " + old + " to " + opened);
            old.retire();
            for (SnapshotBinding c : connections) {
                c.releaseIfIdle(old);
            }
        }
    }

    private boolean add(SnapshotBinding connection) {
        synchronized (this) {
            if (closed) {
                return false;
            }
            connections.add(connection);
            if (idleClose != null) {
                idleClose.cancel(false);
                idleClose = null;
            }
            return true;
        }
    }

    void unregister(SnapshotBinding connection) {
        connections.remove(connection);
        synchronized (this) {
            if (connections.isEmpty() && idleClose == null) {
                idleClose = BACKGROUND.schedule(this::closeIfUnused, IDLE_CLOSE_MILLIS, TimeUnit.MILLISECONDS);
            }
        }
    }

    private void closeIfUnused() {
        openLock.lock();
        try {
            synchronized (this) {
                idleClose = null;
                if (!connections.isEmpty()) {
                    return;
                }
                closed = true;
                REGISTRIES.remove(key, this);
                if (watcher != null) {
                    watcher.cancel(false);
                }
            }
            Snapshot s = current;
            if (s != null) {
                current = null;
                s.retire();
            }
        } finally {
            openLock.unlock();
        }
    }

    private BasicFileAttributes stat() {
        try {
            return Files.readAttributes(path, BasicFileAttributes.class);
        } catch (IOException e) {
            return null;
        }
    }

    /** A published file that failed to open: identified by key, size and time so a new file is tried at once. */
    private static final class OpenFailure {
        final Object fileKey;
        final long size;
        final long modifiedMillis;
        final String message;
        final long firstFailureNanos;
        final long retryAtNanos;

        private OpenFailure(BasicFileAttributes a, String message, long firstFailureNanos, long retryAtNanos) {
            this.fileKey = a == null ? null : a.fileKey();
            this.size = a == null ? -1 : a.size();
            this.modifiedMillis = a == null ? -1 : a.lastModifiedTime().toMillis();
            this.message = message;
            this.firstFailureNanos = firstFailureNanos;
            this.retryAtNanos = retryAtNanos;
        }

        static OpenFailure after(OpenFailure previous, BasicFileAttributes a, Exception e, long retryNanos) {
            long now = System.nanoTime();
            String message = e instanceof NoSuchFileException ? "the file does not exist"
                    : e.getMessage() == null ? e.toString() : e.getMessage();
            return new OpenFailure(a, message, previous == null ? now : previous.firstFailureNanos, now + retryNanos);
        }

        boolean isSameFile(BasicFileAttributes a) {
            if (a == null) {
                return fileKey == null;
            }
            return Objects.equals(fileKey, a.fileKey()) && size == a.size()
                    && modifiedMillis == a.lastModifiedTime().toMillis();
        }

        boolean retryDue() {
            return System.nanoTime() - retryAtNanos >= 0;
        }
    }

    private static final class Key {
        final Path path;
        final DuckDbOptions options;

        Key(Path path, DuckDbOptions options) {
            this.path = path;
            this.options = options;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Key && ((Key) o).path.equals(path) && ((Key) o).options.equals(options);
        }

        @Override
        public int hashCode() {
            return path.hashCode() * 31 + options.hashCode();
        }
    }
}
