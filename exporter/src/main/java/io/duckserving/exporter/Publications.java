package io.duckserving.exporter;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * The kept publishes (generations) of one target: list them, make an earlier one current again,
 * delete the ones no longer needed.
 * <pre>{@code
 * Publications pubs = Publications.of(Path.of("/data/analytics.duckdb"));
 * List<Generation> kept = pubs.history();          // oldest first, one of them current
 * RollbackReport undo = pubs.rollback();           // the generation published before the current one
 * pubs.rollback("20250301T120000Z-3f9a1c");        // or a given one
 * pubs.prune(3, Duration.ofHours(1));              // like --keep 3 --keep-for 1h
 * }</pre>
 * Every publish by {@link Exporter#export} keeps its snapshot as a generation: a hard link to the
 * published file in {@code .<target>.history/<publishId>.duckdb} beside the target, so history
 * costs no copy. After a publish, generations beyond both {@link ExportRequest#keep()} and
 * {@link ExportRequest#keepFor()} are deleted; the current one never is.
 *
 * <p>A rollback makes a kept generation current with one atomic rename of a new hard link over the
 * target, under the target's lock: nothing is copied, readers move at their next statement as
 * for any publish, and a rollback killed at any instant leaves the target as the old or the new
 * generation. It is a plain rename, without the handoff of {@link ExportRequest#handoff()}:
 * drivers open the rolled-back file at their next statement, as they opened it before.
 *
 * <p>An {@code s3://} target ({@link #of(URI, S3Settings)}) keeps its generations as objects under
 * {@code KEY/generations/}; there a rollback rewrites {@code KEY/manifest.json} (no upload, no
 * lock: a conditional write on the ETag it read) and {@link #waitTimeout} plays no part.
 *
 * <p>Immutable and thread-safe; {@link #waitTimeout} and {@link #progress} return a copy.
 */
public final class Publications {

    /** Generations kept by default: the current one and the one before it. */
    public static final int DEFAULT_KEEP = 2;
    /** By default a generation is not kept for a time after it stops being current, only by count. */
    public static final Duration DEFAULT_KEEP_FOR = Duration.ZERO;
    /** The longest {@code --keep-for}: 3650 days (87600h), far beyond any reader's query. */
    public static final Duration MAX_KEEP_FOR = Duration.ofDays(3650);

    private final Path target;
    private final Duration waitTimeout;
    private final Consumer<String> progress;
    private final Clock clock;
    private final ObjectTarget objectTarget;
    private final S3Settings s3;

    private Publications(Path target, ObjectTarget objectTarget, S3Settings s3, Duration waitTimeout,
            Consumer<String> progress, Clock clock) {
        this.target = target;
        this.objectTarget = objectTarget;
        this.s3 = s3;
        this.waitTimeout = waitTimeout;
        this.progress = progress;
        this.clock = clock;
    }

    /** The publications of this target (the path readers open, as given to {@code --target}). */
    public static Publications of(Path target) {
        Objects.requireNonNull(target, "target");
        return new Publications(target.toAbsolutePath().normalize(), null, null, ExportRequest.DEFAULT_WAIT,
                line -> { }, Clock.systemUTC());
    }

    /**
     * The publications of an object-storage target, {@code s3://BUCKET/KEY} as given to {@code --target},
     * reached with {@code s3} (endpoint, region, path style; credentials from the SDK's default chain).
     *
     * @throws IllegalArgumentException for a URI that is no valid s3:// target, naming --target
     */
    public static Publications of(URI target, S3Settings s3) {
        Objects.requireNonNull(target, "target");
        return new Publications(null, ObjectTarget.of(target), Objects.requireNonNull(s3, "s3"),
                ExportRequest.DEFAULT_WAIT, line -> { }, Clock.systemUTC());
    }

    /** How long a rollback or prune waits for another exporter of the target; default 60 s, at most 366 days. */
    public Publications waitTimeout(Duration waitTimeout) {
        return new Publications(target, objectTarget, s3, ExportRequest.checkWait(waitTimeout), progress, clock);
    }

    /** Receives one human-readable line per step (the CLI prints them on standard error). */
    public Publications progress(Consumer<String> progress) {
        return new Publications(target, objectTarget, s3, waitTimeout, Objects.requireNonNull(progress, "progress"),
                clock);
    }

    /** For tests: the clock that says when a generation stopped being current, and what "now" is for keepFor. */
    Publications clock(Clock clock) {
        return new Publications(target, objectTarget, s3, waitTimeout, progress, Objects.requireNonNull(clock,
                "clock"));
    }

    /** The local target, or null for an {@code s3://} one ({@link #objectTarget()}). */
    public Path target() {
        return target;
    }

    /** The {@code s3://} target, or null for a local one. */
    public URI objectTarget() {
        return objectTarget == null ? null : objectTarget.uri();
    }

    /**
     * Where the generations are kept: {@code .<target file name>.history} beside the target; null for
     * an {@code s3://} target ({@link #generationsLocation()}).
     */
    public Path historyDirectory() {
        return target == null ? null : History.directoryOf(target);
    }

    /** The target as the CLI shows it. */
    String targetName() {
        return target != null ? target.toString() : objectTarget.toString();
    }

    /** The history directory, or {@code s3://BUCKET/KEY/generations/}. */
    public String generationsLocation() {
        return target != null ? historyDirectory().toString() : objectTarget.uriOf(objectTarget.generationsPrefix());
    }

    /** For an s3:// target: its generations through a client built for this call, closed after it. */
    private interface ObjectCall<T> {
        T apply(ObjectPublications publications) throws ExportException;
    }

    private <T> T onObjects(ObjectCall<T> call) throws ExportException {
        try (var client = S3Clients.build(s3)) {
            return call.apply(new ObjectPublications(new ObjectStore(client, objectTarget), progress, clock));
        }
    }

    /**
     * The kept generations, oldest publish first, each with its publish id, time, source, rows,
     * size, and whether it is current. Reads only (no lock, works while an export runs); opens each
     * generation read-only to read its {@code serving_meta.publish}. Empty when nothing is kept.
     */
    public List<Generation> history() throws ExportException {
        if (objectTarget != null) {
            return onObjects(ObjectPublications::history);
        }
        Exporter.checkTargetPath(target);
        History history = new History(target);
        try {
            return describe(history.read().generations());
        } catch (IOException e) {
            throw cannotRead(history, e);
        }
    }

    /** Makes the generation published just before the current one current again. */
    public RollbackReport rollback() throws ExportException {
        return rollback(null);
    }

    /**
     * Makes the given generation current (null: the one published just before the current one):
     * one atomic rename of a hard link to it over the target, under the target's lock. Asking for
     * the current generation changes nothing ({@link RollbackReport#changed()} is false).
     * Refused as {@link ExportException.Reason#INVALID_REQUEST} (target untouched): an unknown or
     * malformed publish id, nothing kept, nothing older than the current generation.
     */
    public RollbackReport rollback(String publishId) throws ExportException {
        long startNanos = System.nanoTime();
        if (publishId != null && !History.isPublishId(publishId)) {
            throw invalid("'" + publishId + "' (--to) is not a publish id, which looks like 20250301T120000Z-3f9a1c; "
                    + "'history --target " + targetName() + "' lists the kept ones");
        }
        if (objectTarget != null) {
            return onObjects(p -> p.rollback(publishId));
        }
        Exporter.checkTargetPath(target);
        AtomicPublisher publisher = new AtomicPublisher(target);
        try (TargetLock lock = TargetLock.acquire(target, Deadline.after(waitTimeout))) {
            try {
                return rollbackLocked(publishId, publisher, new History(target), startNanos);
            } catch (ExportException e) {
                if (e.reason() == ExportException.Reason.INVALID_REQUEST) {
                    lock.deleteIfCreated();
                }
                throw e;
            }
        }
    }

    private RollbackReport rollbackLocked(String publishId, AtomicPublisher publisher, History history,
            long startNanos) throws ExportException {
        List<Path> leftovers = new ArrayList<>(publisher.removeLeftovers());
        History.State state;
        try {
            state = history.reconcile(clock.instant(), progress, leftovers);
        } catch (IOException e) {
            throw cannotRead(history, e);
        }
        leftovers.forEach(l -> progress.accept("removed leftover of an interrupted run: " + l));
        if (state.generations().isEmpty()) {
            throw invalid("no generation of " + target + " is kept in " + history.directory()
                    + ", so there is nothing to roll back to; every publish keeps one there (--keep)");
        }
        List<Generation> generations = describe(state.generations());
        Generation current = generations.stream().filter(Generation::isCurrent).findFirst().orElse(null);
        String where = history.directory().toString();
        Generation chosen = publishId != null ? find(generations, publishId, target.toString(), where)
                : previous(generations, current, target.toString(), where);
        if (chosen == current) {
            RollbackReport report = new RollbackReport(target, chosen.publishId(), chosen.publishId(), chosen.file(),
                    false, leftovers, Duration.ofNanos(System.nanoTime() - startNanos));
            progress.accept(report.toString());
            return report;
        }
        if (chosen.problem() != null) {
            throw new ExportException(ExportException.Reason.FAILED, "generation " + chosen.publishId() + " ("
                    + chosen.file() + ") cannot be made current: " + chosen.problem() + "; " + target
                    + " is untouched; choose another generation with --to");
        }
        if (current == null) {
            progress.accept("the target " + target + " is not a kept generation: the rollback replaces it and it "
                    + "is not kept");
        }
        Path link = publisher.rollbackLink(chosen.publishId());
        try {
            history.clearNotCurrent(chosen.publishId());
            Files.createLink(link, chosen.file());
        } catch (IOException | UnsupportedOperationException e) {
            deleteQuietly(link);
            throw new ExportException(ExportException.Reason.FAILED, "cannot hard-link " + link + " to "
                    + chosen.file() + ": " + AtomicPublisher.reasonOf(e) + "; " + target + " is untouched", e);
        }
        progress.accept("linked " + link + " to " + chosen.file() + "; renaming it over " + target);
        try {
            publisher.publish(link);
        } catch (ExportException e) {
            if (e.reason() != ExportException.Reason.PUBLISHED_NOT_DURABLE) {
                deleteQuietly(link);
                throw e;
            }
            throw new ExportException(e.reason(), "made generation " + chosen.publishId() + " current (readers "
                    + "see it) but cannot fsync the directory of " + target + ": " + e.getCause() + "; a power cut "
                    + "may bring back the previous generation: check the file system, then run the rollback again",
                    e.getCause());
        }
        progress.accept("renamed " + link + " over " + target);
        String from = current == null ? null : current.publishId();
        if (from != null) {
            try {
                history.markNotCurrent(from, clock.instant());
            } catch (IOException e) {
                progress.accept("rolled back, but cannot record when " + from + " stopped being current: " + e
                        + "; the next run under the lock records it");
            }
        }
        RollbackReport report = new RollbackReport(target, from, chosen.publishId(), chosen.file(), true, leftovers,
                Duration.ofNanos(System.nanoTime() - startNanos));
        progress.accept(report.toString());
        return report;
    }

    static Generation find(List<Generation> generations, String publishId, String target, String where)
            throws ExportException {
        return generations.stream().filter(g -> g.publishId().equals(publishId)).findFirst().orElseThrow(
                () -> invalid("no generation " + publishId + " of " + target + " is kept in " + where
                        + "; kept: " + ids(generations) + " ('history --target " + target + "' lists them)"));
    }

    /** The generation published just before the current one. */
    static Generation previous(List<Generation> generations, Generation current, String target, String where)
            throws ExportException {
        if (current == null) {
            throw invalid("the target " + target + " is not one of the generations kept in " + where
                    + " (" + ids(generations) + "), so none is the previous one; name the one to make current "
                    + "with --to");
        }
        int at = generations.indexOf(current);
        if (at == 0) {
            throw invalid("the current generation " + current.publishId() + " is the oldest kept in "
                    + where + ", so there is nothing older to roll back to; newer ones: "
                    + ids(generations.subList(1, generations.size())) + " (make one current with --to)");
        }
        return generations.get(at - 1);
    }

    private static List<String> ids(List<Generation> generations) {
        return generations.stream().map(Generation::publishId).toList();
    }

    /**
     * Deletes, under the target's lock, the generations beyond both {@code keep} (the current one
     * counts, it is never deleted; the others are counted from the one current most recently) and
     * {@code keepFor} (how long after it stopped being current a generation stays), oldest first;
     * also removes the leftovers of killed runs.
     *
     * @throws IllegalArgumentException for a {@code keep} below 1 or a {@code keepFor} out of range,
     *     naming the CLI option
     */
    public PruneReport prune(int keep, Duration keepFor) throws ExportException {
        checkKeep(keep);
        checkKeepFor(keepFor);
        if (objectTarget != null) {
            return onObjects(p -> p.prune(keep, keepFor));
        }
        Exporter.checkTargetPath(target);
        AtomicPublisher publisher = new AtomicPublisher(target);
        History history = new History(target);
        try (TargetLock lock = TargetLock.acquire(target, Deadline.after(waitTimeout))) {
            List<Path> leftovers = new ArrayList<>(publisher.removeLeftovers());
            History.Pruned pruned;
            try {
                pruned = history.prune(keep, keepFor, clock.instant(), progress, leftovers);
            } catch (IOException e) {
                throw new ExportException(ExportException.Reason.FAILED, "cannot prune the generations in "
                        + history.directory() + ": " + e + "; check that this user may write there", e);
            }
            leftovers.forEach(l -> progress.accept("removed leftover of an interrupted run: " + l));
            PruneReport report = new PruneReport(target, pruned.kept(), pruned.pruned(), leftovers);
            progress.accept(report.toString());
            return report;
        }
    }

    static int checkKeep(int keep) {
        if (keep < 1) {
            throw new IllegalArgumentException("--keep (keep) must be at least 1 (the current generation), not "
                    + keep + "; the default " + DEFAULT_KEEP + " keeps the current one and the one before it");
        }
        return keep;
    }

    static Duration checkKeepFor(Duration keepFor) {
        Objects.requireNonNull(keepFor, "keepFor");
        if (keepFor.isNegative() || keepFor.compareTo(MAX_KEEP_FOR) > 0) {
            throw new IllegalArgumentException("--keep-for (keepFor) must be between 0 and "
                    + Durations.format(MAX_KEEP_FOR) + " (3650 days), not " + Durations.format(keepFor)
                    + "; give e.g. 0, 30m or 24h");
        }
        return keepFor;
    }

    /** Oldest publish first: by the time in the file (microseconds), else the one in the id; then by id. */
    static final Comparator<Generation> PUBLISH_ORDER = Comparator
            .comparing((Generation g) -> g.publishedAt() != null ? g.publishedAt() : History.timeOfId(g.publishId()))
            .thenComparing(Generation::publishId);

    private static List<Generation> describe(List<History.Entry> entries) throws ExportException {
        if (entries.isEmpty()) {
            return List.of();
        }
        List<Generation> generations = new ArrayList<>();
        try (Connection c = DuckDb.openInMemory()) {
            for (History.Entry e : entries) {
                long bytes;
                try {
                    bytes = Files.size(e.file());
                } catch (NoSuchFileException gone) {
                    continue; // pruned since it was listed (history() takes no lock)
                } catch (IOException unreadable) {
                    bytes = -1;
                }
                generations.add(describe(c, e, bytes));
            }
        } catch (SQLException e) {
            throw new ExportException(ExportException.Reason.FAILED, "cannot start DuckDB to read the kept "
                    + "generations: " + e.getMessage(), e);
        }
        generations.sort(PUBLISH_ORDER);
        return List.copyOf(generations);
    }

    private static Generation describe(Connection c, History.Entry e, long bytes) {
        String alias = "serving_history_generation";
        String problem;
        try (Statement st = c.createStatement()) {
            st.execute("ATTACH " + DuckDb.literal(e.file()) + " AS " + alias + " (READ_ONLY)");
            try (ResultSet rs = st.executeQuery("SELECT publish_id, epoch_us(published_at), source, total_rows FROM "
                    + alias + "." + SnapshotMetadata.SCHEMA + ".publish")) {
                if (!rs.next()) {
                    problem = "its " + SnapshotMetadata.SCHEMA + ".publish is empty";
                } else if (!e.publishId().equals(rs.getString(1))) {
                    problem = "it holds publish id " + rs.getString(1) + ", not the one in its name";
                } else {
                    long micros = rs.getLong(2);
                    Instant at = Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000L),
                            Math.floorMod(micros, 1_000_000L) * 1_000L);
                    return new Generation(e.publishId(), e.file(), bytes, e.current(), e.notCurrentSince(), at,
                            rs.getString(3), rs.getLong(4), null);
                }
            } finally {
                detachQuietly(c, alias);
            }
        } catch (SQLException ex) {
            problem = "cannot read its " + SnapshotMetadata.SCHEMA + ".publish: "
                    + ExportCommand.oneLine(ex.getMessage());
        }
        return new Generation(e.publishId(), e.file(), bytes, e.current(), e.notCurrentSince(), null, null, -1,
                problem);
    }

    private static void detachQuietly(Connection c, String alias) {
        // A failed statement closes DuckDB's Statement object: a separate one.
        try (Statement st = c.createStatement()) {
            st.execute("DETACH DATABASE IF EXISTS " + alias);
        } catch (SQLException ignored) {
            // the connection closes right after anyway
        }
    }

    private static void deleteQuietly(Path link) {
        try {
            Files.deleteIfExists(link);
        } catch (IOException ignored) {
            // a recognised leftover: the next run removes it
        }
    }

    private static ExportException cannotRead(History history, IOException e) {
        return new ExportException(ExportException.Reason.FAILED, "cannot read the history directory "
                + history.directory() + ": " + e + "; check that this user may read and write it", e);
    }

    private static ExportException invalid(String message) {
        return new ExportException(ExportException.Reason.INVALID_REQUEST, message);
    }
}
