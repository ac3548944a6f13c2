package io.duckserving.jdbc.snapshot;

import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.duckdb.DuckDBConnection;

/**
 * A file system of named file keys, a clock that moves only when told, and in-memory DuckDB
 * databases instead of files: enough to drive a {@link SnapshotRegistry} through renames, slow
 * and failing opens, directory events and handoffs in milliseconds. Each database has a table
 * {@code t(v)} holding the name of the file it stands for.
 */
final class FakeEnvironment implements Environment {
    final AtomicLong clock = new AtomicLong(1_000_000_000L);
    final AtomicInteger opens = new AtomicInteger();
    private final Map<Path, String> files = new ConcurrentHashMap<>();
    private final Map<String, CountDownLatch> held = new ConcurrentHashMap<>();
    private final Set<String> broken = ConcurrentHashMap.newKeySet();
    volatile DirectoryWatch.Listener listener;
    volatile double cpuLoad;

    /** Puts a file named {@code name} (its file key) at {@code path}, as a rename would. */
    void put(Path path, String name) {
        files.put(path, name);
    }

    void remove(Path path) {
        files.remove(path);
    }

    /** Opens of {@code name} wait until the returned latch is counted down. */
    CountDownLatch hold(String name) {
        CountDownLatch latch = new CountDownLatch(1);
        held.put(name, latch);
        return latch;
    }

    /** Opens of {@code name} fail as a corrupt file's would. */
    void breakFile(String name) {
        broken.add(name);
    }

    void advanceMillis(long millis) {
        clock.addAndGet(TimeUnit.MILLISECONDS.toNanos(millis));
    }

    @Override
    public BasicFileAttributes stat(Path path) {
        String name = files.get(path);
        return name == null ? null : new Attributes(name);
    }

    /** Strictly increasing, as a real clock is between two looks; it moves far only when told. */
    @Override
    public long nanoTime() {
        return clock.incrementAndGet();
    }

    @Override
    public Snapshot open(Path file, SnapshotKey key) throws SQLException, IOException {
        String name = files.get(file);
        if (name == null) {
            throw new NoSuchFileException(file.toString());
        }
        long started = nanoTime();
        opens.incrementAndGet();
        CountDownLatch latch = held.get(name);
        if (latch != null) {
            try {
                latch.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted", e);
            }
        }
        if (broken.contains(name)) {
            throw new IOException(name + " is not a DuckDB database");
        }
        DuckDBConnection root = (DuckDBConnection) DriverManager.getConnection("jdbc:duckdb:");
        try (Statement st = root.createStatement()) {
            st.execute("CREATE TABLE t AS SELECT '" + name + "' AS v");
        }
        return Snapshot.ofOpenDatabase(key.path(), name, started, root, key.spillRoot().resolve("fake-" + name));
    }

    @Override
    public DirectoryWatch.Registration watch(Path directory, DirectoryWatch.Listener l) {
        listener = l;
        return () -> listener = null;
    }

    @Override
    public double cpuLoad() {
        return cpuLoad;
    }

    /** The attributes the registry looks at: the file key (the name) and what identifies a failed file. */
    private record Attributes(String name) implements BasicFileAttributes {
        @Override
        public FileTime lastModifiedTime() {
            return FileTime.fromMillis(0);
        }

        @Override
        public FileTime lastAccessTime() {
            return lastModifiedTime();
        }

        @Override
        public FileTime creationTime() {
            return lastModifiedTime();
        }

        @Override
        public boolean isRegularFile() {
            return true;
        }

        @Override
        public boolean isDirectory() {
            return false;
        }

        @Override
        public boolean isSymbolicLink() {
            return false;
        }

        @Override
        public boolean isOther() {
            return false;
        }

        @Override
        public long size() {
            return 12288;
        }

        @Override
        public Object fileKey() {
            return name;
        }
    }
}
