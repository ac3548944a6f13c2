package io.duckserving.exporter;

import java.net.URI;
import java.nio.file.Path;
import java.util.List;

/** Which generations a prune kept and which it deleted. */
public final class PruneReport {

    private final Path target;
    private final List<String> kept;
    private final List<String> pruned;
    private final List<Path> leftoversRemoved;
    private final URI objectTarget;

    PruneReport(Path target, List<String> kept, List<String> pruned, List<Path> leftoversRemoved) {
        this.target = target;
        this.kept = List.copyOf(kept);
        this.pruned = List.copyOf(pruned);
        this.leftoversRemoved = List.copyOf(leftoversRemoved);
        this.objectTarget = null;
    }

    /** A prune of an {@code s3://} target. */
    PruneReport(URI objectTarget, List<String> kept, List<String> pruned) {
        this.target = null;
        this.kept = List.copyOf(kept);
        this.pruned = List.copyOf(pruned);
        this.leftoversRemoved = List.of();
        this.objectTarget = objectTarget;
    }

    /** The {@code s3://} target pruned, or null for a local target ({@link #target()}). */
    public URI objectTarget() {
        return objectTarget;
    }

    String targetName() {
        return target != null ? target.toString() : String.valueOf(objectTarget);
    }

    /** The local target, or null for an {@code s3://} one ({@link #objectTarget()}). */
    public Path target() {
        return target;
    }

    /**
     * Publish ids of the generations kept: the current one first, then the others from the one
     * current most recently (the order in which {@code --keep} counts them).
     */
    public List<String> kept() {
        return kept;
    }

    /** Publish ids of the generations deleted, in the order they were deleted (oldest first). */
    public List<String> pruned() {
        return pruned;
    }

    /** Temporary files of earlier, killed runs that this run removed. */
    public List<Path> leftoversRemoved() {
        return leftoversRemoved;
    }

    @Override
    public String toString() {
        return "kept " + kept.size() + " generation" + (kept.size() == 1 ? "" : "s") + " of " + targetName() + ", pruned "
                + pruned.size();
    }
}
