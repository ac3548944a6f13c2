package io.duckserving.jdbc.snapshot;

import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The current snapshot of one {@link SnapshotKey}, shared by every connection of the JVM.
 *
 * <p>New files are noticed by the directory watch within milliseconds (and by a periodic check
 * and each statement's own check), opened and warmed on an opener thread, and installed when
 * ready. A statement that finds the path replaced waits for the new snapshot (strict, the
 * default), or, under {@code serving_max_lag_ms}, keeps reading the previous one for at most that
 * long after the new file was noticed. A file the exporter hands off under a
 * {@code .<name>.tmp-<id>.handoff} name before renaming it is opened and warmed beforehand, and
 * installed the moment the rename is seen, without another open. A file that cannot be opened
 * never breaks readers: they keep the last good snapshot.
 */
final class SnapshotRegistry implements DirectoryWatch.Listener {
    private static final Logger LOG = Logger.getLogger(Engine.LOGGER_NAME);
    private static final ConcurrentHashMap<SnapshotKey, SnapshotRegistry> REGISTRIES = new ConcurrentHashMap<>();
    /**
     * A registry nobody uses closes its snapshot and leaves the map after this long, so an idle
     * JVM holds no file open and a long-lived one does not collect registries of old paths.
     */
    private static final long IDLE_CLOSE_MILLIS = 10_000;
    /** Opens and warm-ups under way in this JVM (tests wait for them before deleting their files). */
    static final java.util.concurrent.atomic.AtomicInteger IN_FLIGHT = new java.util.concurrent.atomic.AtomicInteger();
    private static final long DEFAULT_OPEN_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(5);
    static final String HANDOFF_SUFFIX = ".handoff";
    /** Runs DuckDB opens and warm-ups, so no reader's thread and no lock waits on one longer than it chooses to. */
    private static final ExecutorService OPENER = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "duckdb-serving-open");
        t.setDaemon(true);
        return t;
    });
    /** The periodic check, idle closes and warm-up deadlines: short tasks only. */
    static final ScheduledExecutorService BACKGROUND = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "duckdb-serving-watcher");
        t.setDaemon(true);
        return t;
    });

    private final SnapshotKey key;
    private final Path path;
    private final String fileName;
    private final String handoffPrefix;
    private final Environment env;
    private final Set<SnapshotUser> users = ConcurrentHashMap.newKeySet();
    /** Every snapshot this registry opened that may still be open, for the metrics. */
    private final Set<Snapshot> opened = ConcurrentHashMap.newKeySet();
    final RegistryMetrics metrics = new RegistryMetrics(this);
    private volatile Snapshot current;
    private volatile long nextCheckNanos;
    /** The published file that last failed to open, so it is not retried on every statement. */
    private volatile OpenFailure failure;
    /** Lets statements skip the stat while nothing changed (Java 22+ on Linux), or null: stat every time. */
    private volatile ChangeGate gate;
    /** The gate made for this registry, closed with it (also after it broke and readers stopped using it). */
    private ChangeGate madeGate;
    /** When the current snapshot was first seen replaced at the path (null while it is the newest). */
    private volatile Long replacedSinceNanos;

    // Guarded by this registry's monitor.
    /** The open of the file at the path, in flight or done but not installed (written under the monitor). */
    private volatile Preparation pending;
    /** A handed-off file, opened and warmed ahead of its rename. */
    private Preparation handoff;
    private long generation;
    private long installedGeneration;
    private ScheduledFuture<?> idleClose;
    private ScheduledFuture<?> poller;
    private long pollerMillis;
    private DirectoryWatch.Registration watch;
    /** Left the map: a connection that finds it closed looks its key up again. */
    private boolean closed;

    SnapshotRegistry(SnapshotKey key, Environment env) {
        this.key = key;
        this.path = key.path();
        this.fileName = String.valueOf(path.getFileName());
        this.handoffPrefix = "." + fileName + ".tmp-";
        this.env = env;
        this.nextCheckNanos = env.nanoTime(); // nanoTime may be negative: never compare with 0
    }

    /** The registry of {@code key}, with {@code user} registered in it. */
    static SnapshotRegistry register(SnapshotKey key, SnapshotUser user) {
        while (true) {
            SnapshotRegistry registry = REGISTRIES.computeIfAbsent(key, k -> {
                SnapshotRegistry created = new SnapshotRegistry(k, Environment.REAL);
                created.gate = ChangeGate.of(k.path());
                created.madeGate = created.gate;
                created.metrics.register(k);
                return created;
            });
            if (registry.add(user)) {
                return registry;
            }
        }
    }

    /** The current snapshot of {@code path} (under any configuration), or null. */
    static Snapshot currentOf(Path path) {
        return REGISTRIES.values().stream().filter(r -> r.path.equals(path)).map(SnapshotRegistry::peek)
                .filter(Objects::nonNull).findFirst().orElse(null);
    }

    /** Whether a registry of {@code path} (under any configuration) is alive in this JVM. */
    static boolean isKnown(Path path) {
        return REGISTRIES.keySet().stream().anyMatch(k -> k.path().equals(path));
    }

    Path path() {
        return path;
    }

    SnapshotKey key() {
        return key;
    }

    OpenFailure failure() {
        return failure;
    }

    int connections() {
        return users.size();
    }

    int openSnapshots() {
        opened.removeIf(Snapshot::isClosed);
        return opened.size();
    }

    boolean isServingNewestFile() {
        Snapshot s = current;
        return s != null && s.isFileOf(env.stat(path));
    }

    /** Counts an execution for the metrics: the only thing statements pay for them. */
    void countStatement() {
        metrics.statements.increment();
    }

    /** What a health check needs to know about {@code path} in this JVM, or null if nobody follows it. */
    static ServingStatus statusOf(Path path) {
        for (SnapshotRegistry r : REGISTRIES.values()) {
            if (r.path.equals(path)) {
                Snapshot s = r.current;
                OpenFailure f = r.failure;
                RegistryMetrics m = r.metrics;
                long age = m.getSnapshotAgeMillis();
                return new ServingStatus(path, s != null, r.isServingNewestFile(), m.getCurrentPublishId(),
                        m.publishedAt(), age < 0 ? null : java.time.Duration.ofMillis(age),
                        f == null ? null : f.message,
                        f == null ? null : java.time.Duration.ofNanos(System.nanoTime() - f.firstFailureNanos));
            }
        }
        return null;
    }

    /** How statements check the path: "inotify" (an empty event queue) or "stat". */
    String checkMethod() {
        return gate == null ? "stat" : "inotify";
    }

    /** The current snapshot, without looking at the path. */
    Snapshot peek() {
        return current;
    }

    /** The handed-off file being prepared or ready, or null. */
    synchronized Preparation handoff() {
        return handoff;
    }

    boolean add(SnapshotUser user) {
        synchronized (this) {
            if (closed) {
                return false;
            }
            users.add(user);
            if (idleClose != null) {
                idleClose.cancel(false);
                idleClose = null;
            }
            long interval = user.policy().watchIntervalMillis();
            if (interval > 0) {
                if (watch == null) {
                    watch = env.watch(path.getParent(), this);
                }
                if (poller == null || interval < pollerMillis) {
                    if (poller != null) {
                        poller.cancel(false);
                    }
                    pollerMillis = interval;
                    poller = BACKGROUND.scheduleWithFixedDelay(this::lookAtPath, interval, interval, TimeUnit.MILLISECONDS);
                }
            }
            return true;
        }
    }

    void unregister(SnapshotUser user) {
        users.remove(user);
        synchronized (this) {
            if (users.isEmpty() && idleClose == null && !closed) {
                idleClose = BACKGROUND.schedule(this::closeIfUnused, IDLE_CLOSE_MILLIS, TimeUnit.MILLISECONDS);
            }
        }
    }

    // ---- the readers' path ------------------------------------------------------------------

    /**
     * The snapshot a statement starting now must use: the newest published file, or the last good
     * snapshot while the newest cannot be opened (or, under a lag bound, is still being prepared).
     * The hot path is one volatile read and one stat.
     */
    Snapshot current(FollowPolicy policy) throws SQLException {
        Snapshot s = current;
        long now = env.nanoTime();
        Upstream upstream = policy.upstream();
        if (upstream != null && policy.maxStalenessNanos() > 0
                && now - upstream.confirmedNanos() > policy.maxStalenessNanos()) {
            // One volatile read per statement: the source's last confirmation, against the clock read anyway.
            throw upstream.tooStale(now - upstream.confirmedNanos(), policy.maxStalenessNanos());
        }
        if (s == null) {
            return refresh(now, policy);
        }
        if (policy.checkIntervalNanos() > 0) {
            if (now - nextCheckNanos < 0) {
                return s;
            }
            nextCheckNanos = now + policy.checkIntervalNanos();
        }
        ChangeGate g = gate;
        long drain = 0;
        if (g != null) {
            ChangeGate.Settled settled = g.settled();
            if (g.quiet(settled, s)) {
                return s; // nothing was renamed, linked or removed on the path since s was seen there
            }
            drain = g.drain();
            if (g.isBroken()) {
                // A watched directory went away: from now on every statement stats. The descriptor
                // stays open until the registry closes, as other readers may still hold the gate.
                gate = null;
            }
        }
        BasicFileAttributes published = env.stat(path);
        if (s.isFileOf(published)) {
            if (failure != null || replacedSinceNanos != null) {
                // the bad or newer file is gone again: a later one starts its own clocks
                failure = null;
                replacedSinceNanos = null;
            }
            if (g != null && !g.isBroken()) {
                g.settle(drain, s);
            }
            return s;
        }
        return replaced(s, published, now, policy);
    }

    /** The path holds another file than the current snapshot's. */
    private Snapshot replaced(Snapshot s, BasicFileAttributes published, long now, FollowPolicy policy)
            throws SQLException {
        long since = noticeReplaced(now);
        Snapshot prepared = installHandoff(published);
        if (prepared != null) {
            return prepared;
        }
        if (policy.maxLagNanos() > 0 && now - since < policy.maxLagNanos()) {
            OpenFailure known = failure;
            if (known != null && known.isSameFile(published)) {
                if (known.retryDue(now)) {
                    prepare(published, now);
                }
                return staleOrThrow(s, known, policy, now);
            }
            Preparation p = pending;
            if (p == null || p.failed() || !Objects.equals(p.expectedKey, published == null ? null : published.fileKey())) {
                prepare(published, now); // the opener installs it when warm; this statement does not wait
            }
            return s;
        }
        return refresh(now, policy);
    }

    /**
     * Waits for the file now at the path: {@code asOfNanos} is when the caller looked at the path;
     * any snapshot whose open started after that is fresh enough for the caller. The open runs on an
     * opener thread (one per file, shared by every waiting caller); a caller waits for it at most
     * {@code serving_open_timeout_ms}, and for its warm-up at most as long as the open took, then
     * installs it cold rather than wait longer.
     */
    private Snapshot refresh(long asOfNanos, FollowPolicy policy) throws SQLException {
        long deadline = asOfNanos + policy.openTimeoutNanos();
        boolean attempted = false;
        while (true) {
            Snapshot s = current;
            if (s != null && s.openStartedNanos - asOfNanos >= 0) {
                return s;
            }
            BasicFileAttributes published = env.stat(path);
            if (s != null && s.isFileOf(published)) {
                return s;
            }
            long now = env.nanoTime();
            OpenFailure known = failure;
            // With nothing to serve, a connect tries the file itself once (a writer's lock may be gone).
            if (known != null && known.isSameFile(published)
                    && (s == null ? attempted : !known.retryDue(now) || now - deadline >= 0)) {
                return staleOrThrow(s, known, policy, now);
            }
            attempted = true;
            Preparation p = prepare(published, now);
            try {
                p.opened.get(Math.max(0, deadline - now), TimeUnit.NANOSECONDS);
                long warmWait = Math.min(p.openNanos, Math.max(0, deadline - env.nanoTime()));
                try {
                    p.warmed.get(warmWait, TimeUnit.NANOSECONDS);
                } catch (TimeoutException coldIsBetterThanWaiting) {
                    // the warm-up goes on beside the readers
                }
                install(p);
            } catch (TimeoutException e) {
                OpenFailure slow = recordFailure(published, new IOException("it did not open within "
                        + TimeUnit.NANOSECONDS.toMillis(policy.openTimeoutNanos()) + " ms ("
                        + PropertyNames.OPEN_TIMEOUT_MS + "); a FIFO, a hung network file system or a "
                        + "file still being written?"), s, policy.retryIntervalNanos());
                return staleOrThrow(s, slow, policy, env.nanoTime());
            } catch (ExecutionException | CancellationException e) {
                // The opener recorded why (or a newer file superseded it); the next round reports it or tries a newer file.
                if (env.nanoTime() - deadline >= 0) {
                    OpenFailure f = failure;
                    if (f != null) {
                        return staleOrThrow(current, f, policy, env.nanoTime());
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SQLException("Interrupted while waiting for " + path + " to open", "57014", e);
            }
        }
    }

    private long noticeReplaced(long now) {
        Long since = replacedSinceNanos;
        if (since == null) {
            since = now;
            replacedSinceNanos = since;
        }
        return since;
    }

    private Snapshot staleOrThrow(Snapshot s, OpenFailure f, FollowPolicy policy, long now) throws SQLException {
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
        if (policy.maxStalenessNanos() > 0 && now - f.firstFailureNanos > policy.maxStalenessNanos()) {
            throw new SQLNonTransientConnectionException("The newest file at " + path + " has not been readable for "
                    + TimeUnit.NANOSECONDS.toMillis(now - f.firstFailureNanos) + " ms (more than "
                    + PropertyNames.MAX_STALENESS_MS + "): " + f.message
                    + ". Publish a complete DuckDB file there again.", SqlStates.CONNECTION_FAILURE);
        }
        return s;
    }

    /** DuckDB's words for an unknown option or a bad option value, as opposed to a bad file. */
    private static boolean isBadOption(String message) {
        return message.contains("options were not recognized") || message.contains("configuration option");
    }

    // ---- noticing without a statement -------------------------------------------------------

    @Override
    public void changed(String name, boolean deleted) {
        if (name.equals(fileName)) {
            lookAtPath();
        } else if (name.startsWith(handoffPrefix) && name.endsWith(HANDOFF_SUFFIX)) {
            if (deleted) {
                handoffGone();
            } else {
                prepareHandoff(path.resolveSibling(name));
            }
        }
    }

    @Override
    public void overflowed() {
        handoffGone(); // looks at the path, then at the handoff: events of either may be among those lost
    }

    /**
     * On a directory event and periodically: notices a new file even when no statement runs, so
     * idle connections let go of the replaced snapshot (and its deleted file) soon, and the next
     * statement finds the new one open and warm. It only starts the open.
     */
    void lookAtPath() {
        Snapshot s = current;
        if (s == null || users.isEmpty()) {
            return; // nobody to move; an unused snapshot closes on its own
        }
        BasicFileAttributes published = env.stat(path);
        if (s.isFileOf(published)) {
            return;
        }
        long now = env.nanoTime();
        noticeReplaced(now);
        if (installHandoff(published) != null) {
            return;
        }
        OpenFailure known = failure;
        if (known != null && known.isSameFile(published) && !known.retryDue(now)) {
            return;
        }
        prepare(published, now);
    }

    private void prepareHandoff(Path file) {
        Snapshot s = current;
        if (s == null || users.isEmpty()) {
            return;
        }
        if (java.nio.file.Files.isSymbolicLink(file)) {
            return; // the exporter hands off a hard link: a symbolic link there points anywhere, the file is not ours
        }
        BasicFileAttributes a = env.stat(file);
        if (a == null || !a.isRegularFile() || s.isFileOf(a)) {
            return; // a FIFO, a directory, or the current file under another name
        }
        synchronized (this) {
            if (closed) {
                return;
            }
            Preparation p = pending;
            if (p != null && a.fileKey().equals(p.expectedKey) && !p.failed()) {
                return; // its rename was seen first: the file is being opened already
            }
            Preparation h = handoff;
            if (h != null) {
                if (a.fileKey().equals(h.expectedKey) && !h.failed()) {
                    return;
                }
                BasicFileAttributes published = env.stat(path);
                if (!h.installed && published != null && published.fileKey().equals(h.expectedKey)) {
                    return; // the previous handoff is the file at the path: it is installed next, not dropped
                }
                discard(h);
            }
            handoff = new Preparation(file, true, a.fileKey(), ++generation, env.nanoTime());
            start(handoff);
        }
    }

    /**
     * A handoff name went away: its file was renamed into place (installed here if it is warm) or
     * given up (let go). One still warming is decided when its warm-up ends.
     */
    private void handoffGone() {
        lookAtPath();
        synchronized (this) {
            Preparation h = handoff;
            if (h != null && !h.installed && h.warmed.isDone() && env.stat(h.file) == null) {
                discard(h);
            }
        }
    }

    /** The handed-off snapshot of the file now at the path, installed, if it is warm; else null. */
    private Snapshot installHandoff(BasicFileAttributes published) {
        Preparation h;
        synchronized (this) {
            h = handoff;
        }
        if (h == null || published == null || !h.warmed.isDone() || !published.fileKey().equals(h.expectedKey)) {
            return null;
        }
        return install(h) ? h.snapshot() : null;
    }

    // ---- preparing and installing -----------------------------------------------------------

    /**
     * The preparation a caller that saw {@code published} at the path waits for: the handoff of that
     * file, the open in flight (one at a time per registry, as before: it is at least as new as the
     * current snapshot, and the caller looks again once it is installed), or a new open. A finished
     * open of an older file that a newer one overtakes is installed cold at once, so every open
     * that completes moves readers forward and a storm of renames cannot starve them.
     */
    private Preparation prepare(BasicFileAttributes published, long now) {
        Object fileKey = published == null ? null : published.fileKey();
        synchronized (this) {
            Preparation h = handoff;
            if (h != null && fileKey != null && fileKey.equals(h.expectedKey) && !h.failed()) {
                return h;
            }
            Preparation p = pending;
            if (p != null && !p.failed() && !p.discarded) {
                if (!p.opened.isDone()) {
                    if (now - p.startedNanos < openTimeoutNanos()) {
                        return p;
                    }
                    // Abandoned to its thread (DuckDB cannot be interrupted); it retires itself if it ever ends.
                    discard(p);
                } else if (Objects.equals(p.expectedKey, fileKey)) {
                    return p;
                } else {
                    installLocked(p, published);
                }
            }
            Snapshot installed = current;
            if (installed != null && fileKey != null && fileKey.equals(installed.fileKey)) {
                // Installed meanwhile (a reader installed the handoff while the watch looked): nothing to open.
                return Preparation.of(installed, path);
            }
            Preparation fresh = new Preparation(path, false, fileKey, ++generation, now);
            pending = fresh;
            if (!closed) {
                start(fresh);
            } else {
                fresh.opened.completeExceptionally(new CancellationException(path + " is no longer followed"));
                fresh.warmed.complete(null);
            }
            return fresh;
        }
    }

    private void start(Preparation p) {
        try {
            IN_FLIGHT.incrementAndGet();
            OPENER.execute(() -> {
                try {
                    openAndWarm(p);
                } finally {
                    IN_FLIGHT.decrementAndGet();
                }
            });
        } catch (RuntimeException e) {
            p.opened.completeExceptionally(e);
            p.warmed.complete(null);
        }
    }

    /** On an opener thread: opens the file, warms it unless it is the first, and installs it if it is the path's. */
    private void openAndWarm(Preparation p) {
        LOG.fine(() -> path + ": opening " + p);
        BasicFileAttributes published = env.stat(p.file);
        long started = env.nanoTime();
        Snapshot opened;
        try {
            if (published == null) {
                throw new NoSuchFileException(p.file.toString());
            }
            opened = env.open(p.file, key);
        } catch (SQLException | IOException | RuntimeException e) {
            if (p.handoff) {
                LOG.log(Level.FINE, "cannot prepare the handed-off file " + p.file + "; the rename will open it", e);
            } else {
                recordFailure(published, e, current, retryIntervalNanos());
            }
            p.opened.completeExceptionally(e);
            p.warmed.complete(null);
            return;
        } catch (Error e) {
            p.opened.completeExceptionally(e);
            p.warmed.complete(null);
            throw e;
        }
        p.openNanos = env.nanoTime() - started;
        if (current == null) {
            // Before anyone waiting for this open goes on: the file name never changes between publishes.
            opened.warnIfCatalogClashes();
        }
        this.opened.removeIf(Snapshot::isClosed);
        this.opened.add(opened);
        boolean first;
        synchronized (this) {
            if (closed || p.discarded) {
                opened.retire();
                p.opened.completeExceptionally(new CancellationException(p + " was superseded"));
                p.warmed.complete(null);
                return;
            }
            first = current == null;
            p.opened.complete(opened); // under the monitor: a discard from now on sees the snapshot and retires it
        }
        try {
            if (!first && warmUpBudgetNanos() > 0 && cpuTooBusyToWarm()) {
                opened.warmUp = WarmUp.Report.BUSY; // readers would pay for it more than for cold queries
            } else if (!first) {
                opened.warmUp = WarmUp.run(opened, warmUpSql(), WarmUp.mostRecent(recentQueries(), warmUpStatements()),
                        warmUpBudgetNanos(), BACKGROUND, () -> p.discarded);
            }
        } finally {
            p.warmed.complete(opened);
        }
        if (!install(p)) {
            synchronized (this) {
                Snapshot now = current;
                // A newer snapshot was installed meanwhile, or this file is current already, or a
                // handed-off file's name went before its rename was seen: nobody will install it.
                if (!p.handoff || env.stat(p.file) == null
                        || now != null && now.fileKey != null && now.fileKey.equals(opened.fileKey)) {
                    discard(p);
                }
            }
        }
        if (!p.handoff) {
            lookAtPath(); // files noticed while this one opened were left to it: catch up
        }
    }

    /**
     * Makes {@code p}'s snapshot current, if it may be; true if it is (or already was) installed.
     * An open of the path is installed if nothing newer was: it holds the file seen when it
     * started or a newer one. A handed-off file is installed only once it is the path's file.
     */
    private boolean install(Preparation p) {
        BasicFileAttributes published = env.stat(path);
        synchronized (this) {
            return installLocked(p, published);
        }
    }

    private boolean installLocked(Preparation p, BasicFileAttributes published) {
        if (p.installed) {
            return true;
        }
        Snapshot opened = p.snapshot();
        if (opened == null || closed || p.discarded) {
            return false;
        }
        boolean isPublished = opened.isFileOf(published);
        Snapshot now = current;
        if (p.handoff && !Objects.equals(opened.fileKey, p.expectedKey)) {
            discard(p); // not the file its name showed: never the one a rename publishes
            return false;
        }
        if (p.handoff ? !isPublished : p.generation < installedGeneration) {
            return false;
        }
        if (now != null && now.fileKey != null && now.fileKey.equals(opened.fileKey)) {
            return false; // the same file is current already (opened twice: under its handoff name and at the path)
        }
        p.installed = true;
        // A handed-off file becomes current at its rename, after opens begun before that rename:
        // they opened it or an older file, and none of them may replace it.
        installedGeneration = p.handoff ? generation : Math.max(installedGeneration, p.generation);
        if (pending == p) {
            pending = null;
        }
        if (handoff == p) {
            handoff = null;
        }
        Snapshot old = current;
        current = opened;
        failure = null;
        recordSwap(p, old, opened);
        if (isPublished) {
            replacedSinceNanos = null;
        } // else: already replaced too, and the lag bound keeps counting from the first notice
        if (old != null) {
            LOG.fine(() -> "Moved " + path + " from " + old + " to " + opened);
            old.retire();
            for (SnapshotUser u : users) {
                u.releaseIfIdle(old);
            }
        }
        return true;
    }

    private void recordSwap(Preparation p, Snapshot old, Snapshot installed) {
        metrics.currentSinceMillis = System.currentTimeMillis();
        metrics.lastOpenNanos = p.openNanos;
        WarmUp.Report warm = installed.warmUp;
        metrics.lastWarmUpNanos = warm.nanos();
        if (old == null) {
            return;
        }
        metrics.swaps.incrementAndGet();
        SnapshotEvents.Swap event = new SnapshotEvents.Swap();
        if (event.shouldCommit()) {
            event.path = path.toString();
            event.fromFileKey = String.valueOf(old.fileKey);
            event.toFileKey = String.valueOf(installed.fileKey);
            event.publishId = installed.publication == null ? null : installed.publication.publishId();
            event.openNanos = p.openNanos;
            event.warmUpNanos = warm.nanos();
            event.warmUpStatements = warm.ran().size();
            event.handedOff = p.handoff;
            event.commit();
        }
    }

    /** Gives {@code p} up (with this registry's monitor held): its snapshot, if open and not current, closes. */
    private void discard(Preparation p) {
        if (p.installed || p.discarded) {
            return;
        }
        p.discarded = true;
        if (pending == p) {
            pending = null;
        }
        if (handoff == p) {
            handoff = null;
        }
        Snapshot s = p.snapshot();
        if (s != null) {
            s.retire();
        }
    }

    private OpenFailure recordFailure(BasicFileAttributes published, Exception e, Snapshot kept, long retryNanos) {
        synchronized (this) {
            OpenFailure known = failure;
            OpenFailure f = OpenFailure.after(known, published, e, env.nanoTime(), retryNanos);
            failure = f;
            metrics.failedOpens.incrementAndGet();
            SnapshotEvents.FailedOpen event = new SnapshotEvents.FailedOpen();
            if (event.shouldCommit()) {
                event.path = path.toString();
                event.fileKey = published == null ? null : String.valueOf(published.fileKey());
                event.cause = f.message;
                event.commit();
            }
            if (known == null || !known.message.equals(f.message)) {
                LOG.warning(() -> (kept == null ? "Cannot open " : "Keeping " + kept + ": cannot open the file now at ")
                        + path + ": " + f.message);
            }
            return f;
        }
    }

    // ---- what the registry does on its own takes the most demanding of its connections' policies ----

    private long openTimeoutNanos() {
        return users.stream().mapToLong(u -> u.policy().openTimeoutNanos()).max().orElse(DEFAULT_OPEN_TIMEOUT_NANOS);
    }

    private long retryIntervalNanos() {
        return users.stream().mapToLong(u -> u.policy().retryIntervalNanos()).min().orElse(0);
    }

    private int warmUpStatements() {
        return users.stream().mapToInt(u -> u.policy().warmUpStatements()).max().orElse(0);
    }

    private long warmUpBudgetNanos() {
        return users.stream().mapToLong(u -> u.policy().warmUpBudgetNanos()).max().orElse(0);
    }

    /** Measured: on busy cores a warm-up costs readers more than the cold queries it saves them. */
    private boolean cpuTooBusyToWarm() {
        int allowed = users.stream().mapToInt(u -> u.policy().warmUpMaxCpuPercent()).max().orElse(100);
        return allowed < 100 && env.cpuLoad() * 100 >= allowed;
    }

    private List<String> warmUpSql() {
        Set<String> sql = new LinkedHashSet<>();
        for (SnapshotUser u : users) {
            sql.addAll(u.policy().warmUpSql());
        }
        return List.copyOf(sql);
    }

    private List<RecentQuery> recentQueries() {
        List<RecentQuery> recent = new ArrayList<>();
        for (SnapshotUser u : users) {
            u.recentQueries(recent);
        }
        return recent;
    }

    void closeIfUnused() {
        synchronized (this) {
            idleClose = null;
            if (!users.isEmpty()) {
                return;
            }
            closed = true;
            metrics.unregister(); // before leaving the map: a registry made anew for the key registers its own
            REGISTRIES.remove(key, this);
            if (poller != null) {
                poller.cancel(false);
            }
            if (watch != null) {
                watch.close();
            }
            gate = null;
            if (madeGate != null) {
                madeGate.close();
            }
            if (pending != null) {
                discard(pending);
            }
            if (handoff != null) {
                discard(handoff);
            }
            Snapshot s = current;
            if (s != null) {
                current = null;
                s.retire();
            }
        }
    }
}
