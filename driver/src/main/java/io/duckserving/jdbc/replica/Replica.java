package io.duckserving.jdbc.replica;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * A local replica of one object-storage source, shared by every connection of the JVM that reads
 * it: a daemon thread polls {@code manifest.json} with a conditional GET every poll interval and
 * installs each new generation (see {@link ReplicaFiles}); the snapshot engine follows the
 * served file as any published local file. When the store fails, readers keep the installed
 * file and the poll backs off; {@link #lastSuccessNanos()} tells how stale they are.
 */
public final class Replica implements ReplicaMXBean {
    /** A child of the driver's logger, so the driver's parent logger covers replicas too. */
    static final String LOGGER_NAME = "io.duckserving.jdbc.replica";
    private static final Logger LOG = Logger.getLogger(LOGGER_NAME);
    /** The back-off after failures grows from the poll interval up to this many intervals... */
    private static final long MAX_BACKOFF_INTERVALS = 30;
    /** ...and at most this long (unless the poll interval itself is longer). */
    private static final long MAX_BACKOFF_MILLIS = 60_000;
    /** How long a generation whose object did not match its manifest is not downloaded again. */
    private static final long REFUSED_RETRY_NANOS = TimeUnit.MINUTES.toNanos(10);
    /** How often a successful poll is recorded in the state file, for a JVM that starts during an outage. */
    private static final long PERSIST_POLL_MILLIS = 10_000;

    final S3Location location;
    final S3Options options;
    final Path replicaDirectory;
    final ReplicaFiles files;
    private final ObjectStore store;
    private final ScheduledExecutorService thread;
    private volatile long pollIntervalMillis;
    /** How long a verified download is offered under a handoff name before its rename (0: rename at once). */
    private volatile long handoffMillis;

    /** The generation installed at the served path, as far as this JVM knows; null before the first. */
    private volatile ReplicaState state;
    /** {@link System#nanoTime()} when the store was last seen with {@link #state} current. */
    private volatile long lastSuccessNanos;
    private volatile long lastSuccessMillis = -1;
    private volatile String lastFailure = "";
    private volatile long lastDownloadMillis = -1;
    private volatile long lastPublishToReplicaMillis = -1;
    private final AtomicLong polls = new AtomicLong();
    private final AtomicLong pollFailures = new AtomicLong();
    private final AtomicLong downloads = new AtomicLong();
    private final AtomicLong downloadFailures = new AtomicLong();
    private final AtomicLong bytesDownloaded = new AtomicLong();

    // The poll thread's own.
    private Refusal refused;
    private long backoffMillis;
    private String loggedFailure;
    private long persistedPollMillis;
    private boolean polling;
    private volatile boolean closed;

    Replica(S3Location location, S3Options options, Path replicaDirectory, ObjectStore store, long pollIntervalMillis,
            long handoffMillis) throws IOException {
        this.location = location;
        this.options = options;
        this.replicaDirectory = replicaDirectory;
        this.files = new ReplicaFiles(location.servedPath(replicaDirectory));
        this.store = store;
        this.pollIntervalMillis = pollIntervalMillis;
        this.handoffMillis = handoffMillis;
        files.createDirectory();
        this.thread = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "duckdb-serving-replica " + location);
            t.setDaemon(true);
            return t;
        });
        ReplicaState onDisk = files.readState();
        if (onDisk != null) {
            state = onDisk;
            long ageMillis = Math.max(0, System.currentTimeMillis() - onDisk.lastSuccessfulPollMillis());
            lastSuccessMillis = onDisk.lastSuccessfulPollMillis();
            lastSuccessNanos = System.nanoTime() - TimeUnit.MILLISECONDS.toNanos(ageMillis);
            persistedPollMillis = onDisk.lastSuccessfulPollMillis();
        }
    }

    /** The local file the snapshot engine serves. */
    public Path servedPath() {
        return files.served;
    }

    public S3Location location() {
        return location;
    }

    /** Whether a generation is installed (from before, or by {@link #installFirst}). */
    public boolean hasReplica() {
        return state != null;
    }

    /**
     * {@link System#nanoTime()} when the store was last seen with the installed generation current: a
     * volatile read, all that the staleness check on the statement path costs.
     */
    public long lastSuccessNanos() {
        return lastSuccessNanos;
    }

    /** Why statements fail once the replica is more stale than {@code maxMillis} (off the hot path). */
    public String stalenessMessage(long staleMillis, long maxMillis, String maxPropertyName) {
        String failure = lastFailure;
        ReplicaState s = state;
        return "The local replica " + files.served + " of " + location + " (publish "
                + (s == null ? "none" : s.publishId()) + ") was last confirmed current " + staleMillis
                + " ms ago, more than " + maxPropertyName + "=" + maxMillis + (failure.isEmpty() ? "" : "; last failure: "
                + failure) + ". Check that the object store is reachable and the credentials are valid, or raise "
                + maxPropertyName + " (0 serves the last replica for as long as it takes).";
    }

    /**
     * With no replica installed yet: downloads the current generation now, on the poll thread, and
     * waits for it (bounded by the store client's timeouts). The exception says why it could not.
     */
    synchronized void installFirst() throws IOException {
        if (state != null) {
            return;
        }
        Future<?> first = thread.submit(() -> {
            try {
                syncOnce();
                return null;
            } catch (IOException | RuntimeException e) {
                noteFailure(e);
                throw e;
            }
        });
        try {
            first.get();
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof IOException io) {
                throw io;
            }
            throw new IOException(location + ": " + cause, cause);
        } catch (InterruptedException e) {
            first.cancel(true);
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while downloading " + location, e);
        }
    }

    /** Starts the background poll (once): at once if the replica came from disk, else after one interval. */
    synchronized void startPolling(long intervalMillis, long handoffMillis) {
        pollIntervalMillis = Math.min(pollIntervalMillis, intervalMillis);
        this.handoffMillis = Math.min(this.handoffMillis, handoffMillis);
        if (polling || closed) {
            return;
        }
        polling = true;
        thread.schedule(this::poll, lastSuccessMillis == -1 || downloads.get() == 0 ? 0 : pollIntervalMillis,
                TimeUnit.MILLISECONDS);
    }

    private void poll() {
        if (closed) {
            return;
        }
        long delay;
        try {
            syncOnce();
            backoffMillis = 0;
            delay = pollIntervalMillis;
        } catch (Exception | Error e) {
            // Errors too (a LinkageError from a lazily loaded SDK class, an OutOfMemoryError): the
            // executor would swallow one, and this poll would never be scheduled again.
            noteFailure(e);
            long interval = pollIntervalMillis;
            long cap = Math.max(interval, Math.min(MAX_BACKOFF_MILLIS, interval * MAX_BACKOFF_INTERVALS));
            backoffMillis = backoffMillis == 0 ? interval : Math.min(cap, backoffMillis * 2);
            delay = backoffMillis;
        }
        try {
            if (!closed) {
                thread.schedule(this::poll, delay, TimeUnit.MILLISECONDS);
            }
        } catch (RejectedExecutionException shutDown) {
            // closed meanwhile
        }
    }

    /** One poll: the manifest, and the generation it names if it is not installed. Throws on any failure. */
    private void syncOnce() throws IOException {
        polls.incrementAndGet();
        ReplicaState have = state;
        Refusal refusal = refused;
        if (refusal != null && System.nanoTime() - refusal.atNanos() > REFUSED_RETRY_NANOS) {
            refusal = null; // perhaps the object was repaired in place: try it once more
        }
        // While a refused manifest is current, ask whether it still is: a 304 then means "still refused".
        String ifNoneMatch = refusal != null && refusal.manifest().etag() != null ? refusal.manifest().etag()
                : have == null ? null : have.etag();
        ObjectStore.Fetched fetched = store.getIfChanged(location.bucket(), location.manifestKey(), ifNoneMatch);
        if (fetched == null && refusal != null && ifNoneMatch != null && ifNoneMatch.equals(refusal.manifest().etag())) {
            throw stillRefused(refusal);
        }
        if (fetched != null) {
            Manifest m = ManifestJson.parse(fetched.body(), fetched.etag(), location);
            if (have != null && have.holds(m)) {
                state = withEtag(have, m.etag()); // rewritten with the same generation (a rollback to it)
            } else if (refusal != null && refusal.names(m)) {
                throw stillRefused(refusal);
            } else {
                try {
                    installOrAdopt(m);
                } catch (ReplicaFiles.ObjectMismatch e) {
                    refused = new Refusal(m, e.getMessage(), System.nanoTime());
                    throw e;
                }
            }
        }
        refused = null;
        noteSuccess();
    }

    /**
     * A generation whose object did not match its manifest. Its object is not downloaded again
     * while the manifest names it (for {@link #REFUSED_RETRY_NANOS}): each retry would fetch the
     * whole object, on every reader host, once a minute, to fail the same way.
     */
    private record Refusal(Manifest manifest, String why, long atNanos) {
        boolean names(Manifest m) {
            return manifest.publishId().equals(m.publishId()) && manifest.objectKey().equals(m.objectKey())
                    && manifest.size() == m.size() && manifest.sha256().equals(m.sha256());
        }
    }

    private IOException stillRefused(Refusal refusal) {
        return new IOException(refusal.why() + "; not downloaded again while the manifest names it (retried every "
                + TimeUnit.NANOSECONDS.toMinutes(REFUSED_RETRY_NANOS) + " minutes): publish again to replace it");
    }

    private static ReplicaState withEtag(ReplicaState s, String etag) {
        return new ReplicaState(s.source(), s.publishId(), s.sha256(), s.size(), etag, s.publishedAt(),
                s.installedAt(), s.lastSuccessfulPollMillis());
    }

    /**
     * Under the directory's lock: if another process installed {@code m} meanwhile, takes its word
     * (two JVMs sharing a directory download once); else removes what a killed download left and
     * downloads, verifies and installs {@code m}.
     */
    private void installOrAdopt(Manifest m) throws IOException {
        files.locked(() -> {
            ReplicaState onDisk = files.readState();
            if (onDisk != null && onDisk.holds(m)) {
                state = withEtag(onDisk, m.etag());
                LOG.fine(() -> location + ": publish " + m.publishId() + " was installed by another process");
                return null;
            }
            files.removeLeftovers();
            String objectName = "s3://" + location.bucket() + "/" + m.objectKey();
            files.checkRoomFor(m, objectName);
            long started = System.nanoTime();
            ReplicaEvents.Download event = new ReplicaEvents.Download();
            event.begin();
            // Counted once verified, before the handoff and the rename: a reader never sees a generation
            // the metrics do not count yet, and the download's time is the download's, not the handoff's.
            Runnable verified = () -> {
                event.end();
                downloads.incrementAndGet();
                lastDownloadMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
            };
            Path[] downloaded = new Path[1];
            try {
                store.read(location.bucket(), m.objectKey(), m.size(),
                        in -> downloaded[0] = files.download(in, m, objectName, bytesDownloaded::addAndGet));
            } catch (IOException | RuntimeException e) {
                if (downloaded[0] != null) {
                    files.discard(downloaded[0]); // verified, but the call failed after it: not trusted either
                }
                downloadFailures.incrementAndGet();
                event.end();
                commit(event, m, e.getMessage() == null ? e.toString() : e.getMessage());
                throw e;
            }
            if (downloaded[0] == null) {
                throw new IOException(objectName + ": the object store's answer had no body: not installed");
            }
            verified.run();
            commit(event, m, null);
            // No handoff for this JVM's first install: its connect waits for it, and nobody here reads yet.
            files.install(downloaded[0], state == null ? 0 : handoffMillis);
            long tookMillis = lastDownloadMillis;
            Instant installedAt = Instant.now();
            ReplicaState installed = new ReplicaState(location.toString(), m.publishId(), m.sha256(), m.size(), m.etag(),
                    m.publishedAt(), installedAt, installedAt.toEpochMilli());
            files.writeState(installed);
            persistedPollMillis = installedAt.toEpochMilli();
            state = installed;
            lastPublishToReplicaMillis = m.publishedAt() == null ? -1
                    : Math.max(0, installedAt.toEpochMilli() - m.publishedAt().toEpochMilli());
            LOG.info(() -> location + ": installed publish " + m.publishId() + " (" + m.size() + " bytes in "
                    + tookMillis + " ms) at " + files.served);
            return null;
        });
    }

    /** Records the event, ended by the caller (at verification: its time is the download's, not the handoff's). */
    private void commit(ReplicaEvents.Download event, Manifest m, String failure) {
        if (event.shouldCommit()) {
            event.source = location.toString();
            event.publishId = m.publishId();
            event.objectKey = m.objectKey();
            event.size = m.size();
            event.failure = failure;
            event.commit();
        }
    }

    private void noteSuccess() {
        long now = System.currentTimeMillis();
        lastSuccessNanos = System.nanoTime();
        lastSuccessMillis = now;
        lastFailure = "";
        if (loggedFailure != null) {
            loggedFailure = null;
            ReplicaState s = state;
            LOG.info(() -> location + ": the object store answers again; serving publish "
                    + (s == null ? "none" : s.publishId()) + " from " + files.served);
        }
        if (now - persistedPollMillis >= PERSIST_POLL_MILLIS) {
            persistedPollMillis = now;
            try {
                files.ifUnlocked(() -> {
                    ReplicaState onDisk = files.readState();
                    ReplicaState mine = state;
                    if (onDisk != null && mine != null && onDisk.publishId().equals(mine.publishId())
                            && onDisk.lastSuccessfulPollMillis() < now) {
                        files.writeState(onDisk.withLastSuccessfulPoll(now));
                    }
                    return null;
                });
            } catch (IOException e) {
                LOG.log(Level.FINE, "cannot record the poll time in " + files.stateFile, e);
            }
        }
    }

    private void noteFailure(Throwable e) {
        pollFailures.incrementAndGet();
        String message = e.getMessage() == null ? e.toString() : e.getMessage();
        lastFailure = message;
        if (!message.equals(loggedFailure)) {
            loggedFailure = message;
            ReplicaState s = state;
            LOG.log(Level.WARNING, location + (s == null ? ": no local replica yet: "
                    : ": keeping the local replica " + files.served + " (publish " + s.publishId() + "): ")
                    + message + " (retrying with back-off)", LOG.isLoggable(Level.FINE) ? e : null);
        }
    }

    void close() {
        closed = true;
        thread.shutdownNow();
        try {
            thread.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        store.close();
    }

    /** Runs {@code task} on the poll thread after {@code millis}, for the registry's idle close. */
    java.util.concurrent.ScheduledFuture<?> schedule(Runnable task, long millis) {
        return thread.schedule(task, millis, TimeUnit.MILLISECONDS);
    }

    // ---- metrics --------------------------------------------------------------------------------

    @Override
    public String getSource() {
        return location.toString();
    }

    @Override
    public String getDirectory() {
        return replicaDirectory.toString();
    }

    @Override
    public String getPublishId() {
        ReplicaState s = state;
        return s == null ? "" : s.publishId();
    }

    @Override
    public String getPublishedAt() {
        ReplicaState s = state;
        return s == null || s.publishedAt() == null ? "" : s.publishedAt().toString();
    }

    @Override
    public long getStalenessMillis() {
        return lastSuccessMillis == -1 ? -1 : TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - lastSuccessNanos);
    }

    @Override
    public String getLastSuccessfulPoll() {
        long t = lastSuccessMillis;
        return t == -1 ? "" : Instant.ofEpochMilli(t).toString();
    }

    @Override
    public long getPolls() {
        return polls.get();
    }

    @Override
    public long getPollFailures() {
        return pollFailures.get();
    }

    @Override
    public long getDownloads() {
        return downloads.get();
    }

    @Override
    public long getDownloadFailures() {
        return downloadFailures.get();
    }

    @Override
    public long getBytesDownloaded() {
        return bytesDownloaded.get();
    }

    @Override
    public long getLastDownloadMillis() {
        return lastDownloadMillis;
    }

    @Override
    public String getLastFailure() {
        return lastFailure;
    }

    @Override
    public long getLastPublishToReplicaMillis() {
        return lastPublishToReplicaMillis;
    }

    @Override
    public String toString() {
        return "Replica[" + location + " at " + files.served + "]";
    }
}
