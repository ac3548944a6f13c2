package io.duckserving.exporter;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** What a rollback made current. */
public final class RollbackReport {

    private final Path target;
    private final String fromPublishId;
    private final String toPublishId;
    private final Path file;
    private final boolean changed;
    private final List<Path> leftoversRemoved;
    private final Duration duration;
    private final URI objectTarget;
    private final URI object;

    RollbackReport(Path target, String fromPublishId, String toPublishId, Path file, boolean changed,
            List<Path> leftoversRemoved, Duration duration) {
        this.target = target;
        this.fromPublishId = fromPublishId;
        this.toPublishId = toPublishId;
        this.file = file;
        this.changed = changed;
        this.leftoversRemoved = List.copyOf(leftoversRemoved);
        this.duration = duration;
        this.objectTarget = null;
        this.object = null;
    }

    /** A rollback of an {@code s3://} target: manifest.json rewritten, nothing uploaded. */
    RollbackReport(URI objectTarget, String fromPublishId, String toPublishId, URI object, boolean changed,
            Duration duration) {
        this.target = null;
        this.fromPublishId = fromPublishId;
        this.toPublishId = toPublishId;
        this.file = null;
        this.changed = changed;
        this.leftoversRemoved = List.of();
        this.duration = duration;
        this.objectTarget = objectTarget;
        this.object = object;
    }

    /** The {@code s3://} target rolled back, or null for a local target ({@link #target()}). */
    public URI objectTarget() {
        return objectTarget;
    }

    /** For an {@code s3://} target, the generation's object manifest.json now names; else null. */
    public URI object() {
        return object;
    }

    String targetName() {
        return target != null ? target.toString() : String.valueOf(objectTarget);
    }

    /** The local target, or null for an {@code s3://} one ({@link #objectTarget()}). */
    public Path target() {
        return target;
    }

    /** The generation that was current before, or null if the target was not a kept generation. */
    public String fromPublishId() {
        return fromPublishId;
    }

    /** The generation that is current now. */
    public String toPublishId() {
        return toPublishId;
    }

    /** The kept file the target now is (same inode: nothing was copied); null for an {@code s3://} target. */
    public Path file() {
        return file;
    }

    /** False when the generation asked for already was the current one (nothing was done). */
    public boolean changed() {
        return changed;
    }

    /** Temporary files of earlier, killed runs that this run removed. */
    public List<Path> leftoversRemoved() {
        return leftoversRemoved;
    }

    public Duration duration() {
        return duration;
    }

    @Override
    public String toString() {
        return changed ? "rolled back " + targetName() + " to " + toPublishId + " (was " + fromPublishId + ") in "
                + duration.toMillis() + " ms" : targetName() + " already is " + toPublishId + "; nothing changed";
    }
}
