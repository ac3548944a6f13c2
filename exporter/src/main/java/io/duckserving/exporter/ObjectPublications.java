package io.duckserving.exporter;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The generations of an {@code s3://} target ({@link ObjectTarget} gives the layout): list them,
 * make one current again by rewriting manifest.json (no upload), delete the ones beyond the
 * deletion policy of local targets ({@link History#toPrune}). Which generation is current is the
 * one manifest.json names. There is no lock across hosts: manifest.json changes only by a
 * conditional PUT on the ETag read before (a concurrent publisher or rollback makes it fail with
 * {@link ExportException.Reason#OBJECT_TARGET_CHANGED}).
 */
final class ObjectPublications {

    private final ObjectStore store;
    private final Consumer<String> progress;
    private final Clock clock;

    ObjectPublications(ObjectStore store, Consumer<String> progress, Clock clock) {
        this.store = store;
        this.progress = progress;
        this.clock = clock;
    }

    private ObjectTarget target() {
        return store.target();
    }

    /** Generations with the manifests they were published with, oldest publish first. */
    private record Listing(ObjectStore.Current current, List<Generation> generations,
            Map<String, ObjectManifest> manifests) {
    }

    List<Generation> history() throws ExportException {
        return list(store.readManifest()).generations();
    }

    private Listing list(ObjectStore.Current current) throws ExportException {
        String currentId = current == null || current.manifest() == null ? null : current.manifest().publishId();
        List<Generation> generations = new ArrayList<>();
        Map<String, ObjectManifest> manifests = new HashMap<>();
        for (ObjectStore.Listed l : store.listGenerations().values()) {
            if (l.fileBytes() < 0 && !l.json()) {
                continue; // only a mark left: no generation (prune removes it)
            }
            String id = l.publishId();
            boolean isCurrent = id.equals(currentId);
            String problem = null;
            ObjectManifest m = null;
            byte[] json = l.json() ? store.get(target().jsonKey(id)) : null;
            if (json == null) {
                problem = "its manifest " + target().uriOf(target().jsonKey(id)) + " is missing";
            } else {
                try {
                    m = ObjectManifest.parse(json);
                    manifests.put(id, m);
                } catch (IOException e) {
                    problem = "its manifest " + target().uriOf(target().jsonKey(id)) + " cannot be read: "
                            + e.getMessage();
                }
            }
            if (l.fileBytes() < 0) {
                problem = "its object " + target().uriOf(target().fileKey(id)) + " is missing";
            } else if (m != null && !id.equals(m.publishId())) {
                problem = "its manifest names publish id " + m.publishId() + ", not " + id;
            } else if (m != null && !target().fileKey(id).equals(m.objectKey())) {
                // A rollback writes this JSON as manifest.json: readers would follow it to another object.
                problem = "its manifest names the object " + target().uriOf(String.valueOf(m.objectKey())) + ", not "
                        + target().uriOf(target().fileKey(id));
            } else if (m != null && m.size() != l.fileBytes()) {
                problem = "its object has " + l.fileBytes() + " bytes, its manifest says " + m.size();
            }
            Instant notCurrentSince = !isCurrent && l.retired() ? readMark(id) : null;
            generations.add(new Generation(id, target().objectUri(target().fileKey(id)), l.fileBytes(),
                    isCurrent, notCurrentSince, m == null ? null : m.publishedAt(), m == null ? null : m.source(),
                    m == null ? -1 : m.totalRows(), problem));
        }
        generations.sort(Publications.PUBLISH_ORDER);
        return new Listing(current, List.copyOf(generations), manifests);
    }

    private Instant readMark(String publishId) throws ExportException {
        byte[] mark = store.get(target().retiredKey(publishId));
        try {
            return mark == null ? null : Instant.parse(new String(mark, StandardCharsets.US_ASCII).strip());
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    RollbackReport rollback(String publishId) throws ExportException {
        long startNanos = System.nanoTime();
        ObjectStore.Current read = store.readManifest();
        Listing listing = list(read);
        List<Generation> generations = listing.generations();
        String where = target().uriOf(target().generationsPrefix());
        if (generations.isEmpty()) {
            throw invalid("no generation of " + target() + " is kept under " + where
                    + ", so there is nothing to roll back to; every publish keeps one there (--keep)");
        }
        Generation current = generations.stream().filter(Generation::isCurrent).findFirst().orElse(null);
        Generation chosen = publishId != null ? Publications.find(generations, publishId, target().toString(), where)
                : Publications.previous(generations, current, target().toString(), where);
        if (chosen == current) {
            RollbackReport report = new RollbackReport(target().uri(), chosen.publishId(), chosen.publishId(),
                    chosen.object(), false, Duration.ofNanos(System.nanoTime() - startNanos));
            progress.accept(report.toString());
            return report;
        }
        if (chosen.problem() != null) {
            throw new ExportException(ExportException.Reason.FAILED, "generation " + chosen.publishId() + " ("
                    + chosen.object() + ") cannot be made current: " + chosen.problem() + "; " + target()
                    + "/manifest.json is untouched; choose another generation with --to");
        }
        Instant now = clock.instant().truncatedTo(ChronoUnit.MICROS);
        // The mark goes first: a prune that has not yet deleted the generation finds it gone and keeps
        // it (prune checks the mark and manifest.json again right before each deletion). Then the
        // objects must still be there, since a prune may have deleted them since they were listed.
        store.delete(target().retiredKey(chosen.publishId()));
        for (String key : List.of(target().fileKey(chosen.publishId()), target().jsonKey(chosen.publishId()))) {
            if (!store.exists(key)) {
                throw new ExportException(ExportException.Reason.FAILED, "generation " + chosen.publishId() + " ("
                        + chosen.object() + ") cannot be made current: " + target().uriOf(key) + " was deleted "
                        + "meanwhile (a prune on another host?); " + target() + "/manifest.json is untouched; "
                        + "choose another generation with --to");
            }
        }
        store.putManifest(listing.manifests().get(chosen.publishId()).rolledBackBytes(now), read,
                chosen.publishId());
        undoIfDeletedMeanwhile(chosen, read);
        progress.accept("rewrote " + target().uriOf(target().manifestKey()) + ": generation " + chosen.publishId()
                + " is current");
        String from = current == null ? null : current.publishId();
        if (from != null) {
            markQuietly(from, now, "rolled back");
        }
        RollbackReport report = new RollbackReport(target().uri(), from, chosen.publishId(), chosen.object(), true,
                Duration.ofNanos(System.nanoTime() - startNanos));
        progress.accept(report.toString());
        return report;
    }

    /**
     * A prune on another host that checked manifest.json just before this rollback rewrote it may
     * delete the generation just after (there is no lock across hosts): checked once more, and
     * manifest.json put back as it was if so, so that it does not name a missing object.
     */
    private void undoIfDeletedMeanwhile(Generation chosen, ObjectStore.Current read) throws ExportException {
        if (store.exists(target().fileKey(chosen.publishId()))) {
            return;
        }
        String restored = "manifest.json names a missing object: publish or roll back to another generation now";
        ObjectStore.Current now = store.readManifest();
        if (read != null && now != null && now.manifest() != null
                && chosen.publishId().equals(now.manifest().publishId())) {
            try {
                store.putManifestBack(read.json(), now);
                restored = "manifest.json is put back as it was";
            } catch (ExportException e) {
                restored += " (putting it back failed: " + e.getMessage() + ")";
            }
        }
        throw new ExportException(ExportException.Reason.FAILED, "generation " + chosen.publishId() + " ("
                + chosen.object() + ") was deleted meanwhile (a prune on another host?) as it became current; "
                + restored);
    }

    /** After manifest.json names another generation: when {@code publishId} stopped being current. */
    void markQuietly(String publishId, Instant at, String what) {
        try {
            store.putRetired(publishId, at);
        } catch (ExportException e) {
            progress.accept(what + ", but cannot record when generation " + publishId + " stopped being current: "
                    + e.getMessage() + "; the next publish or prune records it");
        }
    }

    /**
     * The deletion policy of local targets. A generation that is not current and has no mark yet
     * gets one ("now") and is not deleted in this run: it may be a publish under way on another
     * host, between its upload and its manifest PUT.
     */
    PruneReport prune(int keep, Duration keepFor) throws ExportException {
        Instant now = clock.instant();
        ObjectStore.Current read = store.readManifest();
        refuseUnknownCurrent(read, "nothing was pruned");
        String currentId = read == null ? null : read.manifest().publishId();
        List<History.Entry> marked = new ArrayList<>();
        List<History.Entry> all = new ArrayList<>();
        List<String> orphanMarks = new ArrayList<>();
        for (ObjectStore.Listed l : store.listGenerations().values()) {
            String id = l.publishId();
            if (l.fileBytes() < 0 && !l.json()) {
                orphanMarks.add(id);
                continue;
            }
            boolean isCurrent = id.equals(currentId);
            Instant since = isCurrent || !l.retired() ? null : readMark(id);
            History.Entry e = new History.Entry(id, null, null, isCurrent, since);
            all.add(e);
            if (!isCurrent && since == null) {
                markQuietly(id, now, "listed");
                progress.accept("generation " + id + " is not current and had no mark; marked it as not current "
                        + "since now (it is pruned from a later run on)");
            } else {
                marked.add(e);
            }
        }
        List<String> pruned = new ArrayList<>();
        for (History.Entry e : History.toPrune(marked, keep, keepFor, now)) {
            if (!stillPrunable(e.publishId())) {
                continue;
            }
            store.delete(target().fileKey(e.publishId()));
            store.delete(target().jsonKey(e.publishId()));
            pruned.add(e.publishId());
            progress.accept("pruned generation " + e.publishId() + " of " + target() + " (not current since "
                    + e.notCurrentSince() + ")");
            store.delete(target().retiredKey(e.publishId()));
        }
        for (String id : orphanMarks) {
            store.delete(target().retiredKey(id));
        }
        List<String> kept = all.stream().sorted(History.MOST_RECENTLY_CURRENT_FIRST).map(History.Entry::publishId)
                .filter(id -> !pruned.contains(id)).toList();
        PruneReport report = new PruneReport(target().uri(), kept, pruned);
        progress.accept(report.toString());
        return report;
    }

    /**
     * A manifest.json this exporter cannot read (a newer format, garbage) names a generation it does
     * not know: whatever it deleted might be that one.
     */
    private void refuseUnknownCurrent(ObjectStore.Current read, String consequence) throws ExportException {
        if (read != null && read.manifest() == null) {
            throw new ExportException(ExportException.Reason.FAILED, target().uriOf(target().manifestKey())
                    + " cannot be read (" + read.problem() + "), so which generation is current is unknown; "
                    + consequence + ". Publish again or roll back to write a readable one (or use the exporter "
                    + "that wrote it)");
        }
    }

    /**
     * Checked right before a deletion, with the freshest state: a rollback on another host deletes
     * the generation's mark and then rewrites manifest.json to name it.
     */
    private boolean stillPrunable(String publishId) throws ExportException {
        ObjectStore.Current now = store.readManifest();
        refuseUnknownCurrent(now, "pruning stopped");
        if (now != null && (publishId.equals(now.manifest().publishId())
                || target().fileKey(publishId).equals(now.manifest().objectKey()))) {
            progress.accept("generation " + publishId + " became current meanwhile (a rollback?); not pruned");
            return false;
        }
        if (!store.exists(target().retiredKey(publishId))) {
            progress.accept("generation " + publishId + " lost its not-current mark meanwhile (a rollback?); "
                    + "not pruned");
            return false;
        }
        return true;
    }

    private static ExportException invalid(String message) {
        return new ExportException(ExportException.Reason.INVALID_REQUEST, message);
    }
}
