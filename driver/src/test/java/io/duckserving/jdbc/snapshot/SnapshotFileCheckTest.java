package io.duckserving.jdbc.snapshot;

import io.duckserving.jdbc.DuckDbFiles;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Properties;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real DuckDB files, whole and broken, against {@link SnapshotFileCheck}. */
class SnapshotFileCheckTest {
    private static final long BLOCK = 262_144;
    private static final int ROWS = 1_000_000;

    @TempDir
    static Path shared;
    /** A checkpointed file whose catalog metadata sits in block 0 and whose table data sits at the end. */
    static Path frontMetadataFile;

    @TempDir
    Path dir;

    /**
     * Four checkpoints: table a, then t, then a dropped, then a tiny table u. The last checkpoint
     * writes its metadata into a's freed block 0, so t's data blocks are the file's tail and a cut
     * there leaves a file DuckDB opens.
     */
    @BeforeAll
    static void writeFrontMetadataFile() throws SQLException {
        frontMetadataFile = shared.resolve("front.duckdb");
        DuckDbFiles.writeWithMetadataAtTheFront(frontMetadataFile, ROWS, "t", "CREATE TABLE u AS SELECT 1 AS y");
    }

    @Test
    void wholeFilesPass() throws Exception {
        Path empty = dir.resolve("empty.duckdb");
        DuckDbFiles.write(empty, "CHECKPOINT");
        assertEquals(SnapshotFileCheck.MIN_SIZE, Files.size(empty), "an empty database is its three headers");
        SnapshotFileCheck.check(empty);

        Path table = dir.resolve("range.duckdb");
        DuckDbFiles.write(table, "CREATE TABLE t AS SELECT range FROM range(3000000)", "CHECKPOINT");
        SnapshotFileCheck.check(table);

        Path dropped = dir.resolve("dropped.duckdb");
        DuckDbFiles.write(dropped, "CREATE TABLE t AS SELECT random() AS x FROM range(" + ROWS + ")",
                "CREATE TABLE u AS SELECT random() AS x FROM range(" + ROWS + ")", "CHECKPOINT", "DROP TABLE t",
                "CHECKPOINT");
        SnapshotFileCheck.check(dropped);

        SnapshotFileCheck.check(frontMetadataFile);
        SnapshotFileCheck.check(frontMetadataFile,
                Files.readAttributes(frontMetadataFile, BasicFileAttributes.class));
    }

    /** Older storage versions keep the same header layout (main header version 64 to 68, not 999). */
    @Test
    void filesOfOlderStorageVersionsAreCheckedTheSameWay() throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:duckdb::memory:", DuckDbFiles.writeOptions());
             Statement s = c.createStatement()) {
            for (String version : new String[] {"v1.0.0", "v1.4.0"}) {
                Path file = dir.resolve("old-" + version + ".duckdb");
                s.execute("ATTACH '" + file + "' AS old (STORAGE_VERSION '" + version + "')");
                s.execute("CREATE TABLE old.t AS SELECT random() AS x FROM range(300000)");
                s.execute("DETACH old");
                SnapshotFileCheck.check(file);
                try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
                    ch.truncate(Files.size(file) - 1);
                }
                BrokenSnapshotException e = assertThrows(BrokenSnapshotException.class,
                        () -> SnapshotFileCheck.check(file), version);
                assertTrue(e.getMessage().contains("truncated"), e.getMessage());
            }
        }
    }

    /** An encrypted file's database headers need the key: only its type, size and magic are checked. */
    @Test
    void anEncryptedFileIsCheckedUpToItsMagicBytes() throws Exception {
        Path file = dir.resolve("encrypted.duckdb");
        try (Connection c = DriverManager.getConnection("jdbc:duckdb::memory:", DuckDbFiles.writeOptions());
             Statement s = c.createStatement()) {
            // DuckDB's built-in crypto only reads; writing a test file with it needs this switch
            s.execute("SET force_mbedtls_unsafe = 'true'");
            s.execute("ATTACH '" + file + "' AS enc (ENCRYPTION_KEY 'k')");
            s.execute("CREATE TABLE enc.t AS SELECT range AS x FROM range(1000)");
            s.execute("DETACH enc");
        }
        SnapshotFileCheck.check(file);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.truncate(100);
        }
        assertThrows(BrokenSnapshotException.class, () -> SnapshotFileCheck.check(file));
    }

    @Test
    void aTruncatedFileThatDuckDbOpensIsCaught() throws Exception {
        long whole = Files.size(frontMetadataFile);
        for (long cut : new long[] {1, BLOCK, 4 * BLOCK}) {
            Path truncated = dir.resolve("cut-" + cut + ".duckdb");
            Files.copy(frontMetadataFile, truncated, StandardCopyOption.REPLACE_EXISTING);
            long size = whole - cut;
            try (FileChannel ch = FileChannel.open(truncated, StandardOpenOption.WRITE)) {
                ch.truncate(size);
            }

            // DuckDB opens it and even counts its rows (row group metadata survives the cut) ...
            try (Connection c = DriverManager.getConnection("jdbc:duckdb:" + truncated, DuckDbFiles.readOptions());
                 Statement s = c.createStatement()) {
                try (ResultSet rs = s.executeQuery("SELECT count(*) FROM t")) {
                    rs.next();
                    assertEquals(ROWS, rs.getLong(1));
                }
                // ... and the exporter's row count check cannot tell either: count(*) reads no data block.
                SnapshotFileCheck.checkRowCounts(c, truncated);
                // Only a query that reads the lost blocks fails, long after the swap.
                SQLException scan = assertThrows(SQLException.class, () -> s.executeQuery("SELECT sum(x) FROM t"));
                assertTrue(scan.getMessage().contains("Could not read enough bytes"), scan.getMessage());
            }

            BrokenSnapshotException e = assertThrows(BrokenSnapshotException.class,
                    () -> SnapshotFileCheck.check(truncated));
            assertTrue(e.getMessage().startsWith(truncated + " is " + size + " bytes"), e.getMessage());
            assertTrue(e.getMessage().contains("at least " + whole + " bytes"), e.getMessage());
            assertTrue(e.getMessage().contains("republish"), e.getMessage());
        }
    }

    @Test
    void aFileShorterThanTheHeadersFails() throws Exception {
        Path csv = dir.resolve("csv.duckdb");
        Files.write(csv, "id,name\n".getBytes(StandardCharsets.US_ASCII));
        BrokenSnapshotException e = assertThrows(BrokenSnapshotException.class, () -> SnapshotFileCheck.check(csv));
        assertEquals(csv + " is 8 bytes, a DuckDB file is at least 12288: republish it", e.getMessage());

        Path empty = Files.createFile(dir.resolve("zero.duckdb"));
        e = assertThrows(BrokenSnapshotException.class, () -> SnapshotFileCheck.check(empty));
        assertTrue(e.getMessage().startsWith(empty + " is empty"), e.getMessage());
    }

    @Test
    void aFileThatIsNotDuckDbFails() throws Exception {
        Path sqlite = dir.resolve("sqlite.duckdb");
        byte[] bytes = new byte[4 * 4096];
        byte[] magic = "SQLite format 3\0".getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(magic, 0, bytes, 0, magic.length);
        Files.write(sqlite, bytes);
        BrokenSnapshotException e = assertThrows(BrokenSnapshotException.class, () -> SnapshotFileCheck.check(sqlite));
        assertTrue(e.getMessage().startsWith(sqlite + " is not a DuckDB database"), e.getMessage());
        assertTrue(e.getMessage().contains("SQLite"), e.getMessage());

        Path text = dir.resolve("text.duckdb");
        Files.write(text, ("id,name\n1,a\n".repeat(2000)).getBytes(StandardCharsets.US_ASCII));
        e = assertThrows(BrokenSnapshotException.class, () -> SnapshotFileCheck.check(text));
        assertTrue(e.getMessage().contains("it starts with \"id,name\\n1,a\\nid,n\""), e.getMessage());
    }

    @Test
    void aDamagedHeaderFails() throws Exception {
        Path damaged = dir.resolve("damaged.duckdb");
        Files.copy(frontMetadataFile, damaged);
        try (FileChannel ch = FileChannel.open(damaged, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(new byte[] {0x55}), 4096 + 100);
        }
        BrokenSnapshotException e = assertThrows(BrokenSnapshotException.class,
                () -> SnapshotFileCheck.check(damaged));
        assertTrue(e.getMessage().contains("corrupt first database header at byte 4096"), e.getMessage());
        SQLException duck = assertThrows(SQLException.class, () -> DriverManager.getConnection(
                "jdbc:duckdb:" + damaged, DuckDbFiles.readOptions()).close(), "DuckDB refuses the same file");
        assertTrue(duck.getMessage().contains("checksum"), duck.getMessage());
    }

    @Test
    void aFifoFailsAtOnceWithoutBlocking() throws Exception {
        Path fifo = dir.resolve("fifo.duckdb");
        Process mkfifo;
        try {
            mkfifo = new ProcessBuilder("mkfifo", fifo.toString()).start();
        } catch (IOException e) {
            assumeTrue(false, "no mkfifo here: " + e);
            return;
        }
        assumeTrue(mkfifo.waitFor() == 0 && Files.exists(fifo), "mkfifo failed");
        BrokenSnapshotException e = assertTimeoutPreemptively(Duration.ofSeconds(5),
                () -> assertThrows(BrokenSnapshotException.class, () -> SnapshotFileCheck.check(fifo)));
        assertTrue(e.getMessage().startsWith(fifo + " is not a regular file but a FIFO"), e.getMessage());
    }

    @Test
    void aDirectoryFails() throws Exception {
        Path directory = Files.createDirectory(dir.resolve("dir.duckdb"));
        BrokenSnapshotException e = assertThrows(BrokenSnapshotException.class,
                () -> SnapshotFileCheck.check(directory));
        assertTrue(e.getMessage().startsWith(directory + " is not a regular file but a directory"), e.getMessage());
    }

    @Test
    void aSymbolicLinkToAWholeFilePasses() throws Exception {
        Path target = Files.copy(frontMetadataFile, dir.resolve("target.duckdb"));
        Path link = Files.createSymbolicLink(dir.resolve("link.duckdb"), target);
        SnapshotFileCheck.check(link);
        // Attributes of the link itself (a caller's mistake) are read again, following it.
        SnapshotFileCheck.check(link, Files.readAttributes(link, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS));

        Path dangling = Files.createSymbolicLink(dir.resolve("dangling.duckdb"), dir.resolve("missing"));
        assertThrows(java.nio.file.NoSuchFileException.class, () -> SnapshotFileCheck.check(dangling));
    }

    @Test
    void theCheckReadsTheHeadersOnlySoItsCostDoesNotGrowWithTheFile() throws Exception {
        for (int i = 0; i < 200; i++) {
            SnapshotFileCheck.check(frontMetadataFile); // warm up
        }
        int runs = 1000;
        long started = System.nanoTime();
        for (int i = 0; i < runs; i++) {
            SnapshotFileCheck.check(frontMetadataFile);
        }
        long perCheckMicros = (System.nanoTime() - started) / runs / 1000;
        System.out.println("SnapshotFileCheck.check: " + perCheckMicros + " us per check of a "
                + Files.size(frontMetadataFile) + "-byte file");
        assertTrue(perCheckMicros < 1000, "one check of a " + Files.size(frontMetadataFile) + "-byte file took "
                + perCheckMicros + " us");
    }

    @Test
    void rowCountsAgreeingWithServingMetaPass() throws Exception {
        Path file = exported("agree.duckdb", 1234);
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:" + file, DuckDbFiles.readOptions())) {
            SnapshotFileCheck.checkRowCounts(c, file);
        }
    }

    @Test
    void aRowCountMismatchNamesTheTableAndBothCounts() throws Exception {
        Path file = exported("mismatch.duckdb", 1234);
        DuckDbFiles.write(file, "UPDATE serving_meta.tables SET row_count = 1000 WHERE table_name = 'orders'", "CHECKPOINT");
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:" + file, DuckDbFiles.readOptions())) {
            BrokenSnapshotException e = assertThrows(BrokenSnapshotException.class,
                    () -> SnapshotFileCheck.checkRowCounts(c, file));
            assertEquals(file + ": table serving.orders has 1234 rows, but serving_meta.tables says the exporter "
                    + "wrote 1000: the file is not the one that was published whole; republish it", e.getMessage());
        }
    }

    @Test
    void aListedTableThatIsMissingFails() throws Exception {
        Path file = exported("missing.duckdb", 10);
        DuckDbFiles.write(file, "DROP TABLE serving.customers", "CHECKPOINT");
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:" + file, DuckDbFiles.readOptions())) {
            BrokenSnapshotException e = assertThrows(BrokenSnapshotException.class,
                    () -> SnapshotFileCheck.checkRowCounts(c, file));
            assertTrue(e.getMessage().contains("lists table serving.customers with 3 rows, but the file has no such table"),
                    e.getMessage());
        }
    }

    @Test
    void aFileWithoutServingMetaIsNotChecked() throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:" + frontMetadataFile, DuckDbFiles.readOptions())) {
            assertDoesNotThrow(() -> SnapshotFileCheck.checkRowCounts(c, frontMetadataFile));
        }
    }

    @Test
    void rowCountsAreCheckedInTheAttachedCatalogInUse() throws Exception {
        Path file = exported("attached.duckdb", 5);
        DuckDbFiles.write(file, "UPDATE serving_meta.tables SET row_count = 6 WHERE table_name = 'orders'", "CHECKPOINT");
        try (Connection c = DriverManager.getConnection("jdbc:duckdb::memory:", DuckDbFiles.writeOptions());
             Statement s = c.createStatement()) {
            s.execute("ATTACH '" + file + "' AS snap (READ_ONLY)");
            SnapshotFileCheck.checkRowCounts(c, file); // memory is current: no serving_meta there
            s.execute("USE snap");
            BrokenSnapshotException e = assertThrows(BrokenSnapshotException.class,
                    () -> SnapshotFileCheck.checkRowCounts(c, file));
            assertTrue(e.getMessage().contains("serving.orders has 5 rows"), e.getMessage());
        }
    }

    /**
     * A snapshot laid out as the exporter writes it: the serving schema's tables and
     * {@code serving_meta.publish} / {@code serving_meta.tables} with the exporter's DDL.
     */
    private Path exported(String name, int orders) throws SQLException {
        Path file = dir.resolve(name);
        DuckDbFiles.write(file,
                "CREATE SCHEMA serving",
                "CREATE TABLE serving.orders AS SELECT range AS id FROM range(" + orders + ")",
                "CREATE TABLE serving.customers AS SELECT range AS id FROM range(3)");
        DuckDbFiles.addServingMeta(file, "p1", orders + 3, "('serving', 'orders', " + orders + "), "
                + "('serving', 'customers', 3)");
        return file;
    }
}
