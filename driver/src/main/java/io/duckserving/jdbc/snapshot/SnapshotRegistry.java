package io.duckserving.jdbc.snapshot;

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
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.logging.Logger;

/**
 * The current snapshot of one path under one DuckDB configuration, shared by every connection of
 * the JVM. Notices a newly published file by its file key, opens it once (other threads wait for
 * that open rather than read the older snapshot), and falls back to the last good snapshot when
 * the new file cannot be opened.
 */
final class SnapshotRegistry {
    private static final Logger LOG = Logger.getLogger(Engine.LOGGER_NAME);
    private static final ConcurrentHashMap<SnapshotKey, SnapshotRegistry> REGISTRIES = new ConcurrentHashMap<>();
    /**
     * A registry nobody uses closes its snapshot and leaves the map after this long, so an idle
     * JVM holds no file open and a long-lived one does not collect registries of old paths.
     */
    private static final long IDLE_CLOSE_MILLIS = 10_000;
    /** Watches published files and closes unused snapshots; the work is a stat per path per interval. */
    /** Runs DuckDB opens, so no reader's thread and no lock waits on one longer than the open timeout. */
    private static final java.util.concurrent.ExecutorService OPENER = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "duckdb-serving-open");
        t.setDaemon(true);
        return t;
    });
    private static final ScheduledExecutorService BACKGROUND = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "duckdb-serving-watcher");
        t.setDaemon(true);
        return t;
    });

    private final Path path;
    private final DuckDbOptions options;
    private final Path spillRoot;
    /** The open in flight, if any; guarded by this registry's monitor. */
    private PendingOpen pending;
    private long openGeneration;
    private long installedGeneration;
    private final Set<SnapshotBinding> connections = ConcurrentHashMap.newKeySet();
    private volatile Snapshot current;
    private volatile long nextCheckNanos = System.nanoTime(); // nanoTime may be negative: never compare with 0
    /** The published file that last failed to open, so it is not retried on every statement. */
    private volatile OpenFailure failure;
    private ScheduledFuture<?> idleClose;
    private ScheduledFuture<?> watcher;
    /** Left the map: a connection that finds it closed looks its path up again. */
    private boolean closed;
    private final SnapshotKey key;

    /**
     * The settings of the connection that created this registry, for what the registry does on its
     * own: the watcher's interval, the retry memo of a failed open, when an open in flight is abandoned.
     */
    private final FollowPolicy registrySettings;

    private SnapshotRegistry(SnapshotKey key, FollowPolicy policy) {
        this.key = key;
        this.path = key.path();
        this.options = key.options();
        this.spillRoot = key.spillRoot();
        this.registrySettings = policy;
    }

    /** The registry of {@code url}'s path and DuckDB options, with {@code connection} registered in it. */
    static SnapshotRegistry register(SnapshotKey key, FollowPolicy policy, SnapshotBinding connection) {
        while (true) {
            SnapshotRegistry registry = REGISTRIES.computeIfAbsent(key, k -> {
                SnapshotRegistry created = new SnapshotRegistry(k, policy);
                if (policy.watchIntervalMillis() > 0) {
                    created.watcher = BACKGROUND.scheduleWithFixedDelay(created::watch, policy.watchIntervalMillis(),
                            policy.watchIntervalMillis(), TimeUnit.MILLISECONDS);
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
        return REGISTRIES.keySet().stream().anyMatch(k -> k.path().equals(path));
    }

    /**
     * Notices a new file even when no statement runs, so idle connections let go of the replaced
     * snapshot (and its deleted file) at once, and the next statement finds the new one open. It
     * only starts the open: one slow file never holds up the watching of other paths.
     */
    private void watch() {
        Snapshot s = current;
        if (s == null || connections.isEmpty()) {
            return; // nobody to move; an unused snapshot closes on its own
        }
        BasicFileAttributes published = stat();
        if (s.isFileOf(published)) {
            return;
        }
        OpenFailure known = failure;
        if (known != null && known.isSameFile(published) && !known.retryDue()) {
            return;
        }
        openInBackground();
    }

    Path path() {
        return path;
    }

    /**
     * The snapshot a statement starting now must use: the newest published file, or the last good
     * snapshot while the newest cannot be opened. The hot path is one volatile read and one stat.
     */
    Snapshot current(FollowPolicy settings) throws SQLException {
        Snapshot s = current;
        long now = System.nanoTime();
        if (s != null) {
            if (settings.checkIntervalNanos() > 0) {
                if (now - nextCheckNanos < 0) {
                    return s;
                }
                nextCheckNanos = now + settings.checkIntervalNanos();
            }
            if (s.isFileOf(stat())) {
                if (failure != null) {
                    failure = null; // the bad file is gone: a later one starts its own staleness clock
                }
                return s;
            }
        }
        return refresh(now, settings);
    }

    /**
     * The slow path: a new file, a missing one, or an unverified snapshot. {@code asOfNanos} is
     * when the caller looked at the path; any snapshot whose open started after that is fresh
     * enough for the caller. The open itself runs on a thread of its own (one per path at a time,
     * shared by every waiting caller), and a caller waits for it at most
     * {@code serving_open_timeout_ms}: no open, however slow, holds up readers that have a good
     * snapshot for longer, and no lock is held while DuckDB opens.
     */
    private Snapshot refresh(long asOfNanos, FollowPolicy settings) throws SQLException {
        long deadline = System.nanoTime() + settings.openTimeoutNanos();
        boolean attempted = false;
        while (true) {
            Snapshot s = current;
            if (s != null && s.openStartedNanos - asOfNanos >= 0) {
                return s;
            }
            BasicFileAttributes published = stat();
            if (s != null && s.isFileOf(published)) {
                return s;
            }
            OpenFailure known = failure;
            // With nothing to serve, a connect tries the file itself once (a writer's lock may be gone).
            if (known != null && known.isSameFile(published)
                    && (s == null ? attempted : !known.retryDue() || pastDeadline(deadline))) {
                return staleOrThrow(s, known, settings);
            }
            attempted = true;
            CompletableFuture<Snapshot> open = openInBackground();
            try {
                open.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                OpenFailure slow = recordFailure(published, new IOException("it did not open within "
                        + TimeUnit.NANOSECONDS.toMillis(settings.openTimeoutNanos()) + " ms ("
                        + PropertyNames.OPEN_TIMEOUT_MS + "); a FIFO, a hung network file system or a "
                        + "file still being written?"), s);
                return staleOrThrow(s, slow, settings);
            } catch (ExecutionException | CancellationException e) {
                // The opener recorded why; the next round reports it or tries a newer file.
                if (pastDeadline(deadline)) {
                    OpenFailure f = failure;
                    if (f != null) {
                        return staleOrThrow(current, f, settings);
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SQLException("Interrupted while waiting for " + path + " to open", "57014", e);
            }
        }
    }

    private static boolean pastDeadline(long deadline) {
        return System.nanoTime() - deadline >= 0;
    }

    /**
     * The open in flight, or a new one. An open in flight for longer than the open timeout is
     * abandoned to its thread (DuckDB cannot be interrupted): a newer one starts, and whichever
     * finishes last never replaces a newer snapshot.
     */
    private CompletableFuture<Snapshot> openInBackground() {
        synchronized (this) {
            PendingOpen p = pending;
            long now = System.nanoTime();
            if (p != null && !p.future.isDone() && now - p.startedNanos < registrySettings.openTimeoutNanos()) {
                return p.future;
            }
            long generation = ++openGeneration;
            CompletableFuture<Snapshot> future = new CompletableFuture<>();
            pending = new PendingOpen(future, now);
            try {
                OPENER.execute(() -> openNow(generation, future));
            } catch (RuntimeException e) {
                future.completeExceptionally(e);
            }
            return future;
        }
    }

    /** On an opener thread: opens the file now at the path and installs it, or records why not. */
    private void openNow(long generation, CompletableFuture<Snapshot> result) {
        BasicFileAttributes published = stat();
        try {
            if (published == null) {
                throw new NoSuchFileException(path.toString());
            }
            Snapshot opened = Snapshot.open(path, options, spillRoot);
            boolean first;
            synchronized (this) {
                if (closed || generation < installedGeneration) {
                    opened.retire(); // the registry closed, or a newer open won meanwhile
                    result.complete(current);
                    return;
                }
                first = current == null;
                installedGeneration = generation;
                install(opened);
            }
            if (first) {
                opened.warnIfCatalogClashes(); // the file name never changes between publishes
            }
            result.complete(opened);
        } catch (SQLException | IOException | RuntimeException e) {
            recordFailure(published, e, current);
            result.completeExceptionally(e);
        } catch (Error e) {
            result.completeExceptionally(e);
            throw e;
        }
    }

    private OpenFailure recordFailure(BasicFileAttributes published, Exception e, Snapshot kept) {
        synchronized (this) {
            OpenFailure known = failure;
            OpenFailure f = OpenFailure.after(known, published, e, registrySettings.retryIntervalNanos());
            failure = f;
            if (known == null || !known.message.equals(f.message)) {
                LOG.warning(() -> (kept == null ? "Cannot open " : "Keeping " + kept + ": cannot open the file now at ")
                        + path + ": " + f.message);
            }
            return f;
        }
    }

    /** DuckDB's words for an unknown option or a bad option value, as opposed to a bad file. */
    private static boolean isBadOption(String message) {
        return message.contains("options were not recognized") || message.contains("configuration option");
    }

    private Snapshot staleOrThrow(Snapshot s, OpenFailure f, FollowPolicy settings) throws SQLException {
        if (s == null) {
            if (isBadOption(f.message)) {
                throw new SQLException("DuckDB refused an option for " + path + ": " + f.message
                        + ". Fix it in the URL (;key=value) or the connection Properties.",
                        SqlStates.INVALID_PARAMETER, f.cause);
            }
            throw new SQLNonTransientConnectionException("Cannot open DuckDB snapshot " + path + ": "
                    + f.message + ". Check that the exporter has published a complete DuckDB file there.",
                    SqlStates.CANNOT_CONNECT, f.cause);
        }
        if (settings.maxStalenessNanos() > 0 && System.nanoTime() - f.firstFailureNanos > settings.maxStalenessNanos()) {
            throw new SQLNonTransientConnectionException("The newest file at " + path + " has not been readable for "
                    + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - f.firstFailureNanos) + " ms (more than "
                    + PropertyNames.MAX_STALENESS_MS + "): " + f.message
                    + ". Publish a complete DuckDB file there again.", SqlStates.CONNECTION_FAILURE);
        }
        return s;
    }

    /** Called with this registry's monitor held. */
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
            Snapshot s = current;
            if (s != null) {
                current = null;
                s.retire();
            }
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
        final Exception cause;
        final long firstFailureNanos;
        final long retryAtNanos;

        private OpenFailure(BasicFileAttributes a, String message, Exception cause, long firstFailureNanos,
                long retryAtNanos) {
            this.cause = cause;
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
            return new OpenFailure(a, message, e, previous == null ? now : previous.firstFailureNanos, now + retryNanos);
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

    private static final class PendingOpen {
        final CompletableFuture<Snapshot> future;
        final long startedNanos;

        PendingOpen(CompletableFuture<Snapshot> future, long startedNanos) {
            this.future = future;
            this.startedNanos = startedNanos;
        }
    }
}
