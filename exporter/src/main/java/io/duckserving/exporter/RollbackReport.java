package io.duckserving.exporter;

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

    RollbackReport(Path target, String fromPublishId, String toPublishId, Path file, boolean changed,
            List<Path> leftoversRemoved, Duration duration) {
        this.target = target;
        this.fromPublishId = fromPublishId;
        this.toPublishId = toPublishId;
        this.file = file;
        this.changed = changed;
        this.leftoversRemoved = List.copyOf(leftoversRemoved);
        this.duration = duration;
    }

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

    /** The kept file the target now is (same inode: nothing was copied). */
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
        return changed ? "rolled back " + target + " to " + toPublishId + " (was " + fromPublishId + ") in "
                + duration.toMillis() + " ms" : target + " already is " + toPublishId + "; nothing changed";
    }
}
