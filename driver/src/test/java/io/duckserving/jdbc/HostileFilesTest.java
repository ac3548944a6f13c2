package io.duckserving.jdbc;

import io.duckserving.jdbc.snapshot.SqlStates;
import io.duckserving.jdbc.snapshot.EngineTestAccess;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Hostile things at the published path, end to end through {@link DriverManager}: FIFOs,
 * directories, truncated files that DuckDB still opens, files whose row counts lie, a flipped
 * directory symlink, a reader's SQL writing to every name DuckDB allows it, and stale spill
 * directories. Real files, real renames, real FIFOs, no mocks.
 */
class HostileFilesTest {
    /** Nothing here may block a reader: a hang fails the test instead of the build. */
    private static final Duration NO_HANG = Duration.ofSeconds(10);
    private static final long BLOCK = 262_144;
    private static final int BIG_ROWS = 1_000_000;
    /** Reads the lost blocks of a truncated {@link #writeFrontMetadata} file. */
    private static final String SCAN_BIG = "SELECT count(*), sum(x) FROM big";

    @TempDir
    Path dir;
    Path target;

    /** The driver's warnings during the test: proof that it saw each hostile file and said why it kept the old one. */
    private final List<String> warnings = new CopyOnWriteArrayList<>();
    private final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord r) {
            if (r.getLevel().intValue() >= Level.WARNING.intValue()) {
                warnings.add(r.getMessage());
            }
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    @BeforeEach
    void setUp() {
        target = dir.resolve("analytics.duckdb");
        Logger.getLogger(ServingDriver.LOGGER_NAME).addHandler(capture);
    }

    @AfterEach
    void tearDown() {
        Logger.getLogger(ServingDriver.LOGGER_NAME).removeHandler(capture);
    }

    /** The driver warned once that it keeps the old snapshot, naming the path and {@code why}. */
    private void assertWarnedKeeping(String why) {
        List<String> keeping = warnings.stream()
                .filter(w -> w.startsWith("Keeping ") && w.contains(target.toString()) && w.contains(why)).toList();
        assertEquals(1, keeping.size(), "one warning naming " + target + " and '" + why + "': " + warnings);
    }

    // ---------------------------------------------------------------- 1. FIFO at the path

    @Test
    void connectingToAFifoFailsAtOnceWith08001SayingItIsNotARegularFile() throws Exception {
        mkfifo(target);
        SQLException e = assertTimeoutPreemptively(NO_HANG, () -> assertThrows(SQLException.class,
                () -> DriverManager.getConnection(SnapshotFiles.url(target)).close()));
        assertEquals(SqlStates.CANNOT_CONNECT, e.getSQLState(), e.getMessage());
        assertTrue(e.getMessage().contains(target.toString()), "names the path: " + e.getMessage());
        assertTrue(e.getMessage().contains("not a regular file"), e.getMessage());
        assertTrue(e.getMessage().contains("FIFO"), e.getMessage());
    }

    // ---------------------------------------------------------------- 2. FIFO / directory over a good snapshot

    @Test
    void aFifoRenamedOverAGoodSnapshotNeitherHangsNorMovesReadersAndAGoodPublishIsFollowed() throws Exception {
        SnapshotFiles.publish(target, 1);
        String url = SnapshotFiles.url(target, "serving_retry_interval_ms=50");
        try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
            assertEquals(1, SnapshotFiles.read(s).version);
            Path fifo = SnapshotFiles.tempBeside(target);
            mkfifo(fifo);
            SnapshotFiles.moveOver(fifo, target);
            assertFifo(target);
            readersStayOnVersion1(url, s, "a FIFO");
            assertWarnedKeeping("is not a regular file but a FIFO");

            SnapshotFiles.publish(target, 2); // a regular file renamed over the FIFO
            Poll.until(Duration.ofSeconds(5), "the reader moves to the good file published after the FIFO",
                    () -> SnapshotFiles.read(s).version == 2);
        }
    }

    /**
     * A FIFO and a good file renamed over the path in turn, as fast as renames go, while a reader
     * runs statements that keep reopening (retry interval 0): a FIFO that arrives between the
     * driver's stat and its open of the path must not block that open (and every reader with it).
     */
    @Test
    void aFifoRacingWithAGoodFileOverThePathNeverHangsAReader() throws Exception {
        SnapshotFiles.publish(target, 1);
        Path fifo = dir.resolve("racing.fifo");
        mkfifo(fifo);
        Path good = dir.resolve("racing.duckdb");
        SnapshotFiles.write(good, 2, SnapshotFiles.DEFAULT_ROWS);
        java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
        java.util.concurrent.atomic.AtomicLong flips = new java.util.concurrent.atomic.AtomicLong();
        Thread flipper = new Thread(() -> {
            Path f = dir.resolve("racing.fifo.link");
            Path g = dir.resolve("racing.duckdb.link");
            try {
                while (!stop.get()) {
                    Files.createLink(f, fifo);
                    Files.move(f, target, StandardCopyOption.ATOMIC_MOVE);
                    Files.createLink(g, good);
                    Files.move(g, target, StandardCopyOption.ATOMIC_MOVE);
                    flips.incrementAndGet();
                }
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }, "fifo-flipper");
        String url = SnapshotFiles.url(target, "serving_retry_interval_ms=0", "serving_watch_interval_ms=0");
        Connection c = DriverManager.getConnection(url);
        try {
            Statement s = c.createStatement();
            assertEquals(1, SnapshotFiles.read(s).version);
            flipper.start();
            int[] statements = {0};
            assertTimeoutPreemptively(NO_HANG, () -> {
                long until = System.nanoTime() + Duration.ofSeconds(3).toNanos();
                while (System.nanoTime() < until) {
                    int v = SnapshotFiles.read(s).version;
                    assertTrue(v == 1 || v == 2, "version " + v);
                    statements[0]++;
                }
            }, () -> "a reader hung after " + statements[0] + " statements and " + flips.get()
                    + " FIFO/good flips: a FIFO renamed over the path between the driver's stat and its open blocked it");
            System.out.println(statements[0] + " statements during " + flips.get() + " FIFO/good flips");
        } finally {
            stop.set(true);
            flipper.join(5000);
            releaseBlockedOpens(fifo); // before close(), which would wait for a statement stuck in an open
            c.close();
        }
        assertTrue(flips.get() > 100, "only " + flips.get() + " flips");
    }

    /** Opens {@code fifo} for reading and writing (which never blocks on Linux) a few times, so a thread stuck opening it wakes. */
    private static void releaseBlockedOpens(Path fifo) throws Exception {
        for (int i = 0; i < 20; i++) {
            try (FileChannel ch = FileChannel.open(fifo, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
                Thread.sleep(10);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"empty", "with-a-file"})
    void aDirectoryRenamedOntoThePathNeitherHangsNorMovesReadersAndAGoodPublishIsFollowed(String kind)
            throws Exception {
        SnapshotFiles.publish(target, 1);
        String url = SnapshotFiles.url(target, "serving_retry_interval_ms=50");
        try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
            assertEquals(1, SnapshotFiles.read(s).version);
            Path staged = Files.createDirectory(SnapshotFiles.tempBeside(target));
            if (kind.equals("with-a-file")) {
                SnapshotFiles.write(staged.resolve("analytics.duckdb"), 9, 10); // a whole snapshot, one level too deep
            }
            // rename(2) cannot put a directory over a file: the file goes first, then the directory comes
            Files.delete(target);
            Files.move(staged, target, StandardCopyOption.ATOMIC_MOVE);
            assertTrue(Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS));
            readersStayOnVersion1(url, s, "a directory (" + kind + ")");
            assertWarnedKeeping("is not a regular file but a directory");

            deleteTree(target); // nor can a file be renamed over a directory
            SnapshotFiles.publish(target, 2);
            Poll.until(Duration.ofSeconds(5), "the reader moves to the good file published after the directory",
                    () -> SnapshotFiles.read(s).version == 2);
        }
    }

    /** For a second and more (several retry intervals), every statement of the old and of new connections reads version 1. */
    private static void readersStayOnVersion1(String url, Statement s, String what) {
        assertTimeoutPreemptively(NO_HANG, () -> {
            long until = System.nanoTime() + Duration.ofMillis(1200).toNanos();
            int statements = 0;
            while (System.nanoTime() < until) {
                assertEquals(1, SnapshotFiles.read(s).version, "statement " + statements + " after " + what + " appeared");
                statements++;
            }
            try (Connection second = DriverManager.getConnection(url)) {
                assertEquals(1, SnapshotFiles.readVersion(second), "a new connection is served the last good snapshot");
            }
            assertTrue(statements > 10, "only " + statements + " statements ran in 1.2 s");
        }, () -> "a reader hung after " + what + " was renamed over the path");
    }

    // ---------------------------------------------------------------- 3. truncated but openable; lying row counts

    @ParameterizedTest
    @ValueSource(longs = {1, BLOCK})
    void aTruncatedSnapshotThatDuckDbOpensNeverReachesReaders(long cut) throws Exception {
        Path good = SnapshotFiles.tempBeside(target);
        writeFrontMetadata(good, 1);
        SnapshotFiles.moveOver(good, target);

        Path truncated = SnapshotFiles.tempBeside(target);
        writeFrontMetadata(truncated, 2);
        long whole = Files.size(truncated);
        try (FileChannel ch = FileChannel.open(truncated, StandardOpenOption.WRITE)) {
            ch.truncate(whole - cut);
        }
        assertDuckDbOpensButCannotScan(truncated, 2);

        String url = SnapshotFiles.url(target, "serving_retry_interval_ms=20");
        try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
            assertEquals(1, SnapshotFiles.read(s).version);
            scanBig(s);
            SnapshotFiles.moveOver(truncated, target);
            assertTimeoutPreemptively(NO_HANG, () -> {
                for (int i = 0; i < 300; i++) {
                    assertEquals(1, SnapshotFiles.read(s).version, "statement " + i + " after the truncated file");
                    scanBig(s);
                    if (i % 50 == 0) {
                        Thread.sleep(25); // let retries of the truncated file come due
                    }
                }
                try (Connection second = DriverManager.getConnection(url); Statement s2 = second.createStatement()) {
                    assertEquals(1, SnapshotFiles.read(s2).version);
                    scanBig(s2);
                }
            });
            assertWarnedKeeping("is " + (whole - cut) + " bytes, but its header");
            Path next = SnapshotFiles.tempBeside(target);
            writeFrontMetadata(next, 3);
            SnapshotFiles.moveOver(next, target);
            Poll.until(Duration.ofSeconds(5), "the reader moves to the whole file published after the truncated one",
                    () -> SnapshotFiles.read(s).version == 3);
            scanBig(s);
        }
    }

    @ParameterizedTest
    @ValueSource(longs = {1, BLOCK})
    void connectingToOnlyATruncatedSnapshotFailsWith08001NamingTheSize(long cut) throws Exception {
        writeFrontMetadata(target, 1);
        long whole = Files.size(target);
        try (FileChannel ch = FileChannel.open(target, StandardOpenOption.WRITE)) {
            ch.truncate(whole - cut);
        }
        assertDuckDbOpensButCannotScan(target, 1);
        SQLException e = assertTimeoutPreemptively(NO_HANG, () -> assertThrows(SQLException.class,
                () -> DriverManager.getConnection(SnapshotFiles.url(target)).close()));
        assertEquals(SqlStates.CANNOT_CONNECT, e.getSQLState(), e.getMessage());
        assertTrue(e.getMessage().contains(target + " is " + (whole - cut) + " bytes"), e.getMessage());
        assertTrue(e.getMessage().contains("at least " + whole + " bytes"), e.getMessage());
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());
    }

    @Test
    void aSnapshotWhoseRowCountsDisagreeWithServingMetaNeverReachesReaders() throws Exception {
        Path good = SnapshotFiles.tempBeside(target);
        writeWithServingMeta(good, 1, 0);
        SnapshotFiles.moveOver(good, target);
        String url = SnapshotFiles.url(target, "serving_retry_interval_ms=20");
        try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
            assertEquals(1, SnapshotFiles.read(s).version);
            Path lying = SnapshotFiles.tempBeside(target);
            writeWithServingMeta(lying, 2, 1);
            SnapshotFiles.moveOver(lying, target);
            assertTimeoutPreemptively(NO_HANG, () -> {
                for (int i = 0; i < 200; i++) {
                    assertEquals(1, SnapshotFiles.read(s).version, "statement " + i + " after the lying file");
                    if (i % 50 == 0) {
                        Thread.sleep(25);
                    }
                }
            });
            assertWarnedKeeping("table main.t has " + SnapshotFiles.DEFAULT_ROWS + " rows, but serving_meta.tables");
            Path next = SnapshotFiles.tempBeside(target);
            writeWithServingMeta(next, 3, 0);
            SnapshotFiles.moveOver(next, target);
            Poll.until(Duration.ofSeconds(5), "the reader moves to the honest file published after the lying one",
                    () -> SnapshotFiles.read(s).version == 3);
        }
    }

    @Test
    void connectingToOnlyASnapshotWhoseRowCountsDisagreeFailsWith08001NamingBothCounts() throws Exception {
        writeWithServingMeta(target, 1, 1);
        SQLException e = assertTimeoutPreemptively(NO_HANG, () -> assertThrows(SQLException.class,
                () -> DriverManager.getConnection(SnapshotFiles.url(target)).close()));
        assertEquals(SqlStates.CANNOT_CONNECT, e.getSQLState(), e.getMessage());
        assertTrue(e.getMessage().contains(target.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("table main.t has " + SnapshotFiles.DEFAULT_ROWS + " rows, but serving_meta.tables"
                + " says the exporter wrote " + (SnapshotFiles.DEFAULT_ROWS + 1)), e.getMessage());
    }

    /**
     * A file DuckDB opens whatever its tail: tables a then big, checkpointed; a dropped and
     * checkpointed; then the small version tables of {@link SnapshotFiles} written into a's freed
     * blocks at the front. big's data is the tail of the file.
     */
    private static void writeFrontMetadata(Path file, int version) throws SQLException {
        DuckDbFiles.writeWithMetadataAtTheFront(file, BIG_ROWS, "big",
                "CREATE TABLE t AS SELECT i::INTEGER AS id, " + version + "::INTEGER AS v FROM range("
                        + SnapshotFiles.DEFAULT_ROWS + ") r(i)",
                "CREATE TABLE meta AS SELECT " + version + "::INTEGER AS version, " + SnapshotFiles.DEFAULT_ROWS
                        + "::BIGINT AS row_count");
        assertFalse(Files.exists(SnapshotFiles.wal(file)));
    }

    /** The premise: DuckDB itself opens the file and answers from its metadata, and only a scan of big fails. */
    private static void assertDuckDbOpensButCannotScan(Path file, int version) throws SQLException {
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:" + file, DuckDbFiles.readOptions());
             Statement s = c.createStatement()) {
            try (ResultSet rs = s.executeQuery("SELECT count(*) FROM big")) {
                rs.next();
                assertEquals(BIG_ROWS, rs.getLong(1), "DuckDB answers count(*) from row group metadata");
            }
            SQLException scan = assertThrows(SQLException.class, () -> {
                try (ResultSet rs = s.executeQuery(SCAN_BIG)) {
                    rs.next();
                }
            }, "a scan of the lost blocks fails");
            assertTrue(scan.getMessage().contains("Could not read enough bytes"), scan.getMessage());
        }
    }

    private static void scanBig(Statement s) throws SQLException {
        try (ResultSet rs = s.executeQuery(SCAN_BIG)) {
            assertTrue(rs.next());
            assertEquals(BIG_ROWS, rs.getLong(1));
        }
    }

    /**
     * A {@link SnapshotFiles} snapshot plus the exporter's {@code serving_meta} (same DDL), listing
     * main.t with its row count plus {@code lie}.
     */
    private static void writeWithServingMeta(Path file, int version, long lie) throws SQLException {
        SnapshotFiles.write(file, version, SnapshotFiles.DEFAULT_ROWS);
        DuckDbFiles.addServingMeta(file, "p" + version, SnapshotFiles.DEFAULT_ROWS + 2,
                "('main', 't', " + (SnapshotFiles.DEFAULT_ROWS + lie) + "), ('main', 'meta', 1), ('other', 'o', 1)");
        assertFalse(Files.exists(SnapshotFiles.wal(file)));
    }

    // ---------------------------------------------------------------- 4. Capistrano: current -> releases/N

    @Test
    void flippingACurrentDirectorySymlinkMovesTheNextStatementButNotAnOpenTransaction() throws Exception {
        Path releases = Files.createDirectories(dir.resolve("releases"));
        for (int release = 1; release <= 2; release++) {
            Path r = Files.createDirectory(releases.resolve(Integer.toString(release)));
            SnapshotFiles.write(r.resolve("analytics.duckdb"), release, SnapshotFiles.DEFAULT_ROWS);
        }
        Path current = Files.createSymbolicLink(dir.resolve("current"), Paths.get("releases", "1"));
        String url = SnapshotFiles.url(current.resolve("analytics.duckdb"));
        try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement();
             Connection tx = DriverManager.getConnection(url); Statement ts = tx.createStatement()) {
            assertEquals(1, SnapshotFiles.read(s).version);
            tx.setAutoCommit(false);
            assertEquals(1, SnapshotFiles.read(ts).version, "the transaction starts on release 1");

            flip(current, Paths.get("releases", "2"));

            assertEquals(2, SnapshotFiles.read(s).version, "the next statement after the flip sees release 2");
            for (int i = 0; i < 5; i++) {
                assertEquals(1, SnapshotFiles.read(ts).version, "a transaction keeps release 1 until commit");
            }
            tx.commit();
            assertEquals(2, SnapshotFiles.read(ts).version, "after commit the connection reads release 2");

            tx.setAutoCommit(true);
            flip(current, Paths.get("releases", "1")); // a rollback to the previous release
            assertEquals(1, SnapshotFiles.read(s).version, "flipping back is followed too");
            assertEquals(1, SnapshotFiles.read(ts).version);
        }
        assertEquals(List.of("analytics.duckdb"), listNames(releases.resolve("2")).stream()
                .filter(n -> !n.startsWith(".duckdb-serving-")).toList(), "nothing is left in the release but its file");
    }

    /** Capistrano's flip: a new link beside the old one, renamed over it in one step. */
    private static void flip(Path current, Path to) throws IOException {
        Path tmp = current.resolveSibling(current.getFileName() + ".tmp");
        Files.createSymbolicLink(tmp, to);
        Files.move(tmp, current, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        assertEquals(to, Files.readSymbolicLink(current));
    }

    // ---------------------------------------------------------------- 5. SQL writing to the allowed names

    @Test
    void copyToEveryNameDuckDbAllowsLeavesThePublishedFileItsDirectoryAndTheNextOpenUntouched() throws Exception {
        SnapshotFiles.publish(target, 1);
        Path neighbour = Files.writeString(dir.resolve("notes.txt"), "a neighbour of the published file\n");
        TreeMap<String, String> before;
        Set<String> tried = new LinkedHashSet<>();
        List<String> outcomes = new ArrayList<>();
        try (Connection c = DriverManager.getConnection(SnapshotFiles.url(target)); Statement s = c.createStatement()) {
            assertEquals(1, SnapshotFiles.read(s).version);
            before = digests(dir); // after connect: the driver's own private directory may exist by now
            List<String> databasePaths = new ArrayList<>();
            try (ResultSet rs = s.executeQuery("SELECT path FROM duckdb_databases() WHERE path IS NOT NULL")) {
                while (rs.next()) {
                    databasePaths.add(rs.getString(1));
                }
            }
            String allowedPaths = setting(s, "allowed_paths");
            String allowedDirectories = setting(s, "allowed_directories");
            System.out.println("duckdb_databases() paths " + databasePaths + ", allowed_paths " + allowedPaths
                    + ", allowed_directories " + allowedDirectories);
            assertFalse(databasePaths.isEmpty(), "DuckDB names the file it opened");
            Path privateRoot = dir.resolve(".duckdb-serving-" + EngineTestAccess.userName());
            for (String allowed : (allowedPaths + "," + allowedDirectories).replaceAll("[\\[\\]']", "").split(",")) {
                if (!allowed.isBlank()) {
                    Path a = Paths.get(allowed.trim());
                    assertFalse(a.startsWith(dir) && !a.startsWith(privateRoot), "DuckDB lets SQL write " + a
                            + ", in the published directory outside the driver's private directory " + privateRoot);
                }
            }
            for (String p : databasePaths) {
                assertFalse(Paths.get(p).equals(target), "DuckDB must not know the published name: " + p);
                for (String suffix : new String[] {"", ".wal", ".wal.checkpoint", ".wal.recovery", ".tmp"}) {
                    tried.add(p + suffix);
                }
            }
            for (String list : new String[] {allowedPaths, allowedDirectories}) {
                for (String entry : list.replaceAll("^\\[|\\]$", "").split(",")) {
                    String e = entry.trim().replaceAll("^'|'$", "");
                    if (!e.isEmpty()) {
                        tried.add(e);
                        tried.add(Paths.get(e).resolve("planted.csv").toString());
                    }
                }
            }
            for (String victim : tried) {
                for (String format : new String[] {"csv", "blob"}) {
                    String sql = format.equals("csv")
                            ? "COPY (SELECT 'x' AS x) TO '" + victim.replace("'", "''") + "' (FORMAT csv, USE_TMP_FILE false)"
                            : "COPY (SELECT 'not a wal'::BLOB AS content) TO '" + victim.replace("'", "''")
                                    + "' (FORMAT blob, USE_TMP_FILE false)";
                    try {
                        s.execute(sql);
                        outcomes.add(victim + " (" + format + "): written");
                    } catch (SQLException refused) {
                        outcomes.add(victim + " (" + format + "): " + refused.getMessage().lines().findFirst().orElse(""));
                    }
                }
            }
            System.out.println("COPY outcomes:\n  " + String.join("\n  ", outcomes));
            assertEquals(1, SnapshotFiles.read(s).version, "the writer's own connection still reads its snapshot");
            assertEquals(before, digests(dir), "the published file and every other file beside it are unchanged");
        }
        assertEquals(before, digests(dir), "unchanged once the writer's connection is closed");
        assertEquals("a neighbour of the published file\n", Files.readString(neighbour));
        // A fresh DuckDB open of the same file (other DuckDB options: another registry, another open)
        // would replay a planted WAL: it must read exactly the published snapshot.
        try (Connection next = DriverManager.getConnection(SnapshotFiles.url(target, "threads=1"));
             Statement s = next.createStatement()) {
            assertEquals(1, SnapshotFiles.read(s).version);
        }
        try (Connection next = DriverManager.getConnection(SnapshotFiles.url(target)); Statement s = next.createStatement()) {
            assertEquals(1, SnapshotFiles.read(s).version);
        }
        try (Connection duck = DriverManager.getConnection("jdbc:duckdb:" + target, DuckDbFiles.readOptions());
             Statement s = duck.createStatement()) {
            assertEquals(1, SnapshotFiles.read(s).version, "DuckDB itself reads the published snapshot whole");
        }
        assertEquals(before, digests(dir), "unchanged after the next opens");
    }

    private static String setting(Statement s, String name) throws SQLException {
        try (ResultSet rs = s.executeQuery("SELECT current_setting('" + name + "')::VARCHAR")) {
            rs.next();
            String v = rs.getString(1);
            return v == null ? "" : v;
        }
    }

    /** Every regular file directly in {@code d} (the driver's private directories aside) with its SHA-256. */
    private static TreeMap<String, String> digests(Path d) throws Exception {
        TreeMap<String, String> result = new TreeMap<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(d)) {
            for (Path p : entries) {
                String name = p.getFileName().toString();
                if (EngineTestAccess.isPrivateRoot(p) && Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                    continue;
                }
                result.put(name, Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)
                        ? HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p)))
                        : "not a regular file");
            }
        }
        return result;
    }

    // ---------------------------------------------------------------- 6. spill root

    @Test
    void theDefaultSpillRootIsPerUserInTheTemporaryDirectoryAndPrivate() throws Exception {
        assumeTrue(Files.getFileStore(dir).supportsFileAttributeView("posix"), "no POSIX permissions here");
        SnapshotFiles.publish(target, 1);
        Path expected = Paths.get(System.getProperty("java.io.tmpdir"), "duckdb-serving-" + EngineTestAccess.userName())
                .toAbsolutePath();
        try (Connection c = DriverManager.getConnection(SnapshotFiles.url(target)); Statement s = c.createStatement()) {
            assertEquals(1, SnapshotFiles.read(s).version);
            assertTrue(Files.isDirectory(expected, LinkOption.NOFOLLOW_LINKS), expected + " is a directory");
            assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(expected,
                    LinkOption.NOFOLLOW_LINKS)));
            String spill = setting(s, "temp_directory");
            assertEquals(expected, Paths.get(spill).getParent(), "the snapshot spills under the default root: " + spill);
            assertTrue(Paths.get(spill).getFileName().toString().startsWith("snapshot-" + ProcessHandle.current().pid() + "-"),
                    spill);
        }
        if (System.getProperty("user.name", "").matches("[A-Za-z0-9._-]+")) {
            assertEquals("duckdb-serving-" + System.getProperty("user.name"), expected.getFileName().toString());
        }
    }

    @Test
    void spillDirectoriesOfDeadProcessesGoWhenASnapshotOpensAndTheLiveOneInUseStays() throws Exception {
        SnapshotFiles.publish(target, 1);
        Path other = dir.resolve("other.duckdb");
        SnapshotFiles.publish(other, 7);
        Path root = Files.createDirectory(dir.resolve("spill"));
        String option = "serving_spill_directory=" + root;

        Path deadBefore = plantDeadSpill(root, 1);
        try (Connection c = DriverManager.getConnection(SnapshotFiles.url(target, option));
             Statement s = c.createStatement()) {
            assertEquals(1, SnapshotFiles.read(s).version);
            assertFalse(Files.exists(deadBefore, LinkOption.NOFOLLOW_LINKS),
                    "a dead process's spill directory is removed when the first snapshot opens");

            Path live = Paths.get(setting(s, "temp_directory"));
            assertEquals(root.toAbsolutePath(), live.getParent(), "the snapshot spills under the configured root");
            assertTrue(EngineTestAccess.ownerIsAlive(live.getFileName().toString()));
            Files.createDirectories(live); // DuckDB creates it on its first spill; stand in for that
            Path spilled = Files.writeString(live.resolve("duckdb_temp_storage_DEFAULT-0.tmp"), "in use");

            Path deadAfter = plantDeadSpill(root, 2);
            // another snapshot opening on the same root sweeps it again
            try (Connection o = DriverManager.getConnection(SnapshotFiles.url(other, option));
                 Statement os = o.createStatement()) {
                assertEquals(7, SnapshotFiles.read(os).version);
            }
            assertFalse(Files.exists(deadAfter, LinkOption.NOFOLLOW_LINKS), "the second sweep removes the new orphan");
            assertEquals("in use", Files.readString(spilled), "the live snapshot's spill directory stays");
            assertEquals(1, SnapshotFiles.read(s).version);
        }
    }

    /** A spill directory, with a file in it, named for a real child process that has ended. */
    private static Path plantDeadSpill(Path root, long snapshotId) throws Exception {
        Process child = new ProcessBuilder("sleep", "30").start();
        Instant start = child.toHandle().info().startInstant().orElseThrow();
        long pid = child.pid();
        child.destroyForcibly();
        assertTrue(child.waitFor(10, TimeUnit.SECONDS));
        assumeTrue(ProcessHandle.of(pid).isEmpty(), "pid " + pid + " was reused at once");
        Path d = Files.createDirectory(root.resolve(EngineTestAccess.spillDirectoryName(pid, start, snapshotId)));
        Files.writeString(d.resolve("duckdb_temp_storage_DEFAULT-0.tmp"), "left by a killed JVM");
        return d;
    }

    // ---------------------------------------------------------------- helpers

    private static void mkfifo(Path p) throws Exception {
        Process mkfifo;
        try {
            mkfifo = new ProcessBuilder("mkfifo", p.toString()).redirectErrorStream(true).start();
        } catch (IOException e) {
            assumeTrue(false, "no mkfifo here: " + e);
            return;
        }
        assertTrue(mkfifo.waitFor(10, TimeUnit.SECONDS));
        assumeTrue(mkfifo.exitValue() == 0, "mkfifo failed");
        assertFifo(p);
    }

    private static void assertFifo(Path p) throws IOException {
        int mode = (Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS);
        assertEquals(0010000, mode & 0170000, p + " is a FIFO");
    }

    private static List<String> listNames(Path d) throws IOException {
        List<String> names = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(d)) {
            for (Path p : entries) {
                names.add(p.getFileName().toString());
            }
        }
        names.sort(null);
        return names;
    }

    private static void deleteTree(Path p) throws IOException {
        if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
            try (DirectoryStream<Path> entries = Files.newDirectoryStream(p)) {
                for (Path e : entries) {
                    deleteTree(e);
                }
            }
        }
        Files.delete(p);
    }
}
