package io.duckserving.jdbc.snapshot;

import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;

/**
 * One file being made ready to serve, off the readers' path: opened on an opener thread, then
 * warmed, then installed when it is the file at the published path. The file is the published
 * path itself, or a handoff name under which the exporter shows a finished file before renaming
 * it (same inode).
 */
final class Preparation {
    final Path file;
    final boolean handoff;
    /** The file key seen before the open; the open may get a newer file (see {@link Snapshot#open}). */
    final Object expectedKey;
    final long generation;
    final long startedNanos;
    /** Completes with the open snapshot (not yet warm), or exceptionally. */
    final CompletableFuture<Snapshot> opened = new CompletableFuture<>();
    /** Completes once the warm-up has ended (or was skipped); never exceptionally. */
    final CompletableFuture<Snapshot> warmed = new CompletableFuture<>();
    /** How long the open took, once opened: a strict reader waits for the warm-up no longer than that. */
    volatile long openNanos;
    /** Guarded by the registry: installed as current, or given up (its snapshot retired). */
    volatile boolean installed;
    volatile boolean discarded;

    Preparation(Path file, boolean handoff, Object expectedKey, long generation, long startedNanos) {
        this.file = file;
        this.handoff = handoff;
        this.expectedKey = expectedKey;
        this.generation = generation;
        this.startedNanos = startedNanos;
    }

    /** A preparation already done: {@code current} is the snapshot of the file the caller saw. */
    static Preparation of(Snapshot current, Path file) {
        Preparation done = new Preparation(file, false, current.fileKey, 0, current.openStartedNanos);
        done.opened.complete(current);
        done.warmed.complete(current);
        done.installed = true;
        return done;
    }

    /** The open snapshot, or null while opening or after a failed open. */
    Snapshot snapshot() {
        return opened.isDone() && !opened.isCompletedExceptionally() ? opened.join() : null;
    }

    boolean failed() {
        return opened.isCompletedExceptionally();
    }

    @Override
    public String toString() {
        return (handoff ? "handoff " : "open ") + file + " #" + generation;
    }
}
