package io.duckserving.jdbc;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Writes snapshot files with DuckDB's own {@code jdbc:duckdb:} driver and publishes them the way
 * the exporter does: a temporary file in the target's directory, checkpointed and closed (no
 * {@code .wal} left), then renamed over the target with {@code ATOMIC_MOVE}.
 *
 * <p>Every snapshot of version {@code v} holds {@code t(id INTEGER, v INTEGER)} with every row
 * carrying {@code v}, {@code meta(version INTEGER, row_count BIGINT)} with one row, and
 * {@code other.o(v INTEGER)} (a second schema for {@code setSchema} / {@code USE}), so a single
 * query can tell which snapshot it read and whether it read more than one.
 */
final class SnapshotFiles {
    static final int DEFAULT_ROWS = 100;
    /** Rows of {@link #readVersion}'s consistency query: t joined with meta in the same statement. */
    static final String VERSION_QUERY = "SELECT min(t.v), max(t.v), count(*), any_value(m.version), any_value(m.row_count) "
            + "FROM t, meta m";

    private static final AtomicLong TEMP_SEQUENCE = new AtomicLong();
    /** One in-memory DuckDB that ATTACHes each file it writes: ~10 ms a file instead of ~30 ms for a fresh open. */
    private static Connection writer;

    private SnapshotFiles() {
    }

    static String url(Path target, String... options) {
        StringBuilder url = new StringBuilder("jdbc:duckdb-serving:").append(target);
        for (String option : options) {
            url.append(';').append(option);
        }
        return url.toString();
    }

    /** Writes a complete snapshot of {@code version} at {@code file} (which must not exist). */
    static synchronized void write(Path file, int version, int rows) throws SQLException {
        if (Files.exists(file)) {
            throw new IllegalStateException(file + " exists already; write() makes new files only");
        }
        Statement s = writerConnection().createStatement();
        try (s) {
            String escaped = file.toString().replace("'", "''");
            s.execute("ATTACH '" + escaped + "' AS snapshot_out");
            try {
                s.execute("CREATE TABLE snapshot_out.t AS SELECT i::INTEGER AS id, " + version
                        + "::INTEGER AS v FROM range(" + rows + ") r(i)");
                s.execute("CREATE TABLE snapshot_out.meta AS SELECT " + version + "::INTEGER AS version, "
                        + rows + "::BIGINT AS row_count");
                s.execute("CREATE SCHEMA snapshot_out.other");
                s.execute("CREATE TABLE snapshot_out.other.o AS SELECT " + version + "::INTEGER AS v");
                s.execute("CHECKPOINT snapshot_out");
            } finally {
                s.execute("DETACH snapshot_out");
            }
        }
        if (Files.exists(wal(file))) {
            throw new IllegalStateException(wal(file) + " was left behind: renaming " + file + " would lose data");
        }
    }

    /** Publishes version {@code version} with {@link #DEFAULT_ROWS} rows over {@code target}. */
    static void publish(Path target, int version) throws SQLException, IOException {
        publish(target, version, DEFAULT_ROWS);
    }

    static void publish(Path target, int version, int rows) throws SQLException, IOException {
        Path temp = tempBeside(target);
        write(temp, version, rows);
        moveOver(temp, target);
    }

    /** Renames a finished file over the target in one atomic step, as the exporter does. */
    static void moveOver(Path file, Path target) throws IOException {
        if (Files.exists(wal(target))) {
            throw new IllegalStateException(wal(target) + " exists: the next file renamed there would not open");
        }
        Files.move(file, target, StandardCopyOption.ATOMIC_MOVE);
    }

    /** A file that is not a DuckDB database at all, published over the target. */
    static void publishJunk(Path target) throws IOException {
        Path temp = tempBeside(target);
        Files.writeString(temp, "this is not a DuckDB database\n".repeat(500));
        moveOver(temp, target);
    }

    static void publishZeroBytes(Path target) throws IOException {
        Path temp = tempBeside(target);
        Files.createFile(temp);
        moveOver(temp, target);
    }

    /**
     * A real snapshot cut short, as a copy interrupted halfway would leave it: the headers are
     * complete but the first data block is not (DuckDB fails to open it: "Could not read enough bytes").
     */
    static void publishTruncated(Path target, int version) throws SQLException, IOException {
        Path temp = tempBeside(target);
        write(temp, version, DEFAULT_ROWS);
        byte[] whole = Files.readAllBytes(temp);
        Files.write(temp, Arrays.copyOf(whole, 20_000));
        moveOver(temp, target);
    }

    /** A path next to {@code target} that does not exist yet (same directory, so the rename is atomic). */
    static Path tempBeside(Path target) {
        return target.resolveSibling(target.getFileName() + ".tmp-" + ProcessHandle.current().pid() + "-"
                + TEMP_SEQUENCE.incrementAndGet());
    }

    static Path wal(Path file) {
        return Paths.get(file + ".wal");
    }

    /** What one consistent read of a snapshot saw. */
    static final class Read {
        final int version;
        final long rows;

        Read(int version, long rows) {
            this.version = version;
            this.rows = rows;
        }
    }

    /**
     * Reads the snapshot's version with one statement and checks that it read exactly one
     * snapshot: every row of t carries the same version, meta (joined in the same query) agrees,
     * and the row count is the one the snapshot was written with.
     */
    static Read read(Statement statement) throws SQLException {
        try (ResultSet rs = statement.executeQuery(VERSION_QUERY)) {
            return checkedRead(rs);
        }
    }

    static Read checkedRead(ResultSet rs) throws SQLException {
        if (!rs.next()) {
            throw new AssertionError("the version query returned no row");
        }
        int min = rs.getInt(1);
        int max = rs.getInt(2);
        long count = rs.getLong(3);
        int metaVersion = rs.getInt(4);
        long metaRows = rs.getLong(5);
        if (min != max || min != metaVersion || count != metaRows) {
            throw new AssertionError("mixed read: t.v in [" + min + ", " + max + "], " + count + " rows, meta says version "
                    + metaVersion + " with " + metaRows + " rows");
        }
        return new Read(min, count);
    }

    static int readVersion(Connection connection) throws SQLException {
        try (Statement s = connection.createStatement()) {
            return read(s).version;
        }
    }

    /**
     * Files under {@code dir} that this JVM still holds open although they were deleted (replaced
     * by a rename): Linux shows such descriptors in /proc/self/fd as "{@code <path> (deleted)}".
     */
    static List<String> openDeletedFiles(Path dir) throws IOException {
        // The driver opens each snapshot through a private hard link it removes at once, so "(deleted)"
        // alone proves nothing: a replaced file is one whose inode no file in dir still has.
        List<Object> published = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
            for (Path f : files) {
                if (Files.isRegularFile(f)) {
                    published.add(Files.readAttributes(f, java.nio.file.attribute.BasicFileAttributes.class).fileKey());
                }
            }
        }
        List<String> replaced = new ArrayList<>();
        for (String open : openFiles(dir)) {
            Path fd = Paths.get("/proc/self/fd", open.substring(0, open.indexOf(' ')));
            try {
                Object key = Files.readAttributes(fd, java.nio.file.attribute.BasicFileAttributes.class).fileKey();
                if (open.endsWith(" (deleted)") && !published.contains(key)) {
                    replaced.add(open);
                }
            } catch (IOException closedMeanwhile) {
                // no longer held
            }
        }
        return replaced;
    }

    /** Every file under {@code dir} this JVM holds open, as "fd -> path" ("(deleted)" when replaced). */
    static List<String> openFiles(Path dir) throws IOException {
        String prefix = dir.toRealPath().toString();
        List<String> found = new ArrayList<>();
        try (DirectoryStream<Path> fds = Files.newDirectoryStream(Paths.get("/proc/self/fd"))) {
            for (Path fd : fds) {
                String link;
                try {
                    link = Files.readSymbolicLink(fd).toString();
                } catch (IOException closedMeanwhile) {
                    continue;
                }
                if (link.startsWith(prefix)) {
                    found.add(fd.getFileName() + " -> " + link);
                }
            }
        }
        return found;
    }

    private static Connection writerConnection() throws SQLException {
        if (writer == null) {
            writer = DriverManager.getConnection("jdbc:duckdb:");
        }
        return writer;
    }
}
