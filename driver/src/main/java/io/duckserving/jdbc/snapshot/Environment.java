package io.duckserving.jdbc.snapshot;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.sql.SQLException;

/** Where a registry gets file keys, time, snapshots and directory events: the real ones, or fakes in unit tests. */
interface Environment {
    /** The attributes of the file at {@code path} (following links), or null if nothing readable is there. */
    BasicFileAttributes stat(Path path);

    long nanoTime();

    /** Opens {@code file} (the published path or a handoff name) as a snapshot of {@code key}. */
    Snapshot open(Path file, SnapshotKey key) throws SQLException, IOException;

    DirectoryWatch.Registration watch(Path directory, DirectoryWatch.Listener listener);

    /** The machine's CPU load since this was last asked, 0 to 1 (0 where the JVM cannot tell). */
    double cpuLoad();

    /** The file system, the JVM's clock, DuckDB and the JVM's directory watch. */
    Environment REAL = new Environment() {
        @Override
        public BasicFileAttributes stat(Path path) {
            try {
                return Files.readAttributes(path, BasicFileAttributes.class);
            } catch (IOException e) {
                return null;
            }
        }

        @Override
        public long nanoTime() {
            return System.nanoTime();
        }

        @Override
        public Snapshot open(Path file, SnapshotKey key) throws SQLException, IOException {
            return Snapshot.open(file, key.path(), key.options(), key.spillRoot());
        }

        @Override
        public DirectoryWatch.Registration watch(Path directory, DirectoryWatch.Listener listener) {
            return DirectoryWatch.register(directory, listener);
        }

        @Override
        public double cpuLoad() {
            java.lang.management.OperatingSystemMXBean os =
                    java.lang.management.ManagementFactory.getOperatingSystemMXBean();
            if (os instanceof com.sun.management.OperatingSystemMXBean) {
                return Math.max(0, ((com.sun.management.OperatingSystemMXBean) os).getCpuLoad());
            }
            return 0;
        }
    };
}
