package io.duckserving.jdbc.snapshot;

import java.nio.file.Path;
import java.time.Instant;
import java.util.function.Consumer;

/**
 * What the end-to-end tests of the JDBC layer may see of the engine's internals, without
 * making them part of the driver's public surface.
 */
public final class EngineTestAccess {
    private EngineTestAccess() {
    }

    public static String userName() {
        return SpillRoot.userName();
    }

    public static boolean isPrivateRoot(Path p) {
        return PrivateLink.isPrivateRoot(p);
    }

    /** Whether the spill directory {@code name} belongs to a live process (false if it names none). */
    public static boolean ownerIsAlive(String name) {
        return SpillRoot.owner(name).map(SpillRoot.Owner::isAlive).orElse(false);
    }

    public static String spillDirectoryName(long pid, Instant start, long snapshotId) {
        return SpillRoot.directoryName(pid, start, snapshotId);
    }

    /** Runs {@code hook} just before each DuckDB open (see {@link Snapshot#beforeOpen}). */
    public static void beforeOpen(Consumer<Path> hook) {
        Snapshot.beforeOpen = hook;
    }

    /** What the warm-up ran on the current snapshot of {@code path} before it became current. */
    public static java.util.List<String> warmedSql(Path path) {
        Snapshot s = SnapshotRegistry.currentOf(path);
        return s == null ? java.util.List.of() : s.warmUp.ran();
    }

    /** Statements the warm-up of the current snapshot of {@code path} tried and that failed. */
    public static int warmUpFailures(Path path) {
        Snapshot s = SnapshotRegistry.currentOf(path);
        return s == null ? 0 : s.warmUp.failed();
    }

    /**
     * Waits (at most {@code millis}) until no open or warm-up runs in the background: one started
     * by the directory watch for a file a test published last may still be under way when the test
     * ends, and would re-create its private directory while JUnit deletes the test's files.
     */
    public static void awaitBackgroundOpens(long millis) throws InterruptedException {
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(millis);
        while (SnapshotRegistry.IN_FLIGHT.get() > 0 && System.nanoTime() - deadline < 0) {
            Thread.sleep(5);
        }
    }

    public static boolean isKnown(Path path) {
        return SnapshotRegistry.isKnown(path);
    }
}
