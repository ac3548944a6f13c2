package io.duckserving.jdbc.snapshot;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Decides whether a file is plausibly a whole DuckDB database before DuckDB opens it, and, after an
 * open, whether its row counts agree with what the exporter wrote in {@code serving_meta}.
 *
 * <p>Why before: a FIFO at the path blocks DuckDB's open forever in native code, and a truncated
 * file opens fine (its headers and catalog metadata can survive the cut) and only fails later, on
 * the queries that touch the missing blocks. {@link #check(Path)} reads the first 12 KB only
 * (three 4 KB headers), so it costs tens of microseconds whatever the file's size.
 *
 * <p>The layout, as written by DuckDB 2.0.0 ({@code duckdb_jdbc} 2.0.0.1, storage version 69) and
 * read by {@code SingleFileBlockManager::LoadExistingDatabase} in
 * {@code src/storage/single_file_block_manager.cpp}; every integer little-endian:
 * <pre>
 * 0     main header      u64 checksum, "DUCK", u64 version (999 from v2.0.0, 64..68 before),
 *                        u64 flags[4] (flags[0] bit 0: encrypted), library version, source id...
 * 4096  database header  u64 checksum, then u64 iteration, meta_block, free_list, block_count,
 * 8192  database header    block_alloc_size (0 means 262144), vector_size, storage version
 * 12288 block 0, block 1, ... each block_alloc_size bytes
 * </pre>
 * The active database header is the one with the higher iteration (the second one on a tie); a
 * whole file is at least {@code 12288 + block_count * block_alloc_size} bytes (blocks past
 * {@code block_count} are free, so a file may be longer). Each header's checksum covers its bytes
 * 8 to 4096: 5381 XOR-ed with every little-endian u64 of them multiplied by
 * {@code 0xbf58476d1ce4e5b9} ({@code Checksum()} in {@code src/common/checksum.cpp}).
 */
final class SnapshotFileCheck {
    /** Size of each of the three headers at the front of a DuckDB file. */
    static final int HEADER_SIZE = 4096;
    /** The smallest DuckDB file: the main header and two database headers, no blocks. */
    static final int MIN_SIZE = 3 * HEADER_SIZE;

    private static final int MAGIC_OFFSET = 8;
    private static final byte[] MAGIC = {'D', 'U', 'C', 'K'};
    private static final int FLAGS_OFFSET = MAGIC_OFFSET + MAGIC.length + 8;
    private static final long ENCRYPTED_FLAG = 1;
    private static final long DEFAULT_BLOCK_ALLOC_SIZE = 262_144;
    /** DuckDB accepts 16 KB to 256 KB; anything outside a wider range means the header is garbage. */
    private static final long MIN_PLAUSIBLE_BLOCK = 4096;
    private static final long MAX_PLAUSIBLE_BLOCK = 1L << 30;
    private static final long CHECKSUM_MULTIPLIER = 0xbf58476d1ce4e5b9L;
    private static final byte[] SQLITE_MAGIC = "SQLite format 3\0".getBytes(StandardCharsets.US_ASCII);

    static final String META_SCHEMA = "serving_meta";
    static final String META_TABLES = "tables";

    private SnapshotFileCheck() {
    }

    /** {@link #check(Path, BasicFileAttributes)} with attributes read now (following symbolic links). */
    static void check(Path path) throws IOException {
        check(path, null);
    }

    /**
     * Throws a {@link BrokenSnapshotException} unless {@code path} is a regular file (a symbolic link
     * to one is fine) that starts like a whole DuckDB database: long enough for its headers, DuckDB's
     * magic bytes, header checksums that match, and at least as many bytes as its active header
     * says it holds. Of an encrypted file only the first two are checked (its headers need the key).
     *
     * @param attributes attributes of {@code path} read while following links, if the caller has
     *     them already (it costs one {@code stat} otherwise); attributes of the link itself are
     *     re-read. Only the file type is taken from them: the size comes from the opened file.
     * @throws java.nio.file.NoSuchFileException if nothing is at the path
     */
    static void check(Path path, BasicFileAttributes attributes) throws IOException {
        check(path, attributes, path);
    }

    /**
     * {@link #check(Path, BasicFileAttributes)} of {@code file}, with messages that name {@code name}:
     * the published path when {@code file} is the driver's private link to it, so a failure reads the
     * same (and is logged once) whichever link it was found through.
     */
    static void check(Path file, BasicFileAttributes attributes, Path name) throws IOException {
        Path path = name;
        BasicFileAttributes attrs = attributes == null || attributes.isSymbolicLink()
                ? Files.readAttributes(file, BasicFileAttributes.class)
                : attributes;
        // Before opening anything: open(2) of a FIFO for reading blocks until a writer comes.
        // A file renamed over the path between this stat and the open below is not seen here: a
        // FIFO renamed in right then blocks the open below. Callers that can should check the type
        // of the path and then call this on a name that cannot change (Snapshot's PrivateLink).
        checkType(file, attrs, name);
        ByteBuffer front = ByteBuffer.allocate(MIN_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        long size;
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            size = channel.size();
            while (front.hasRemaining() && channel.read(front, front.position()) >= 0) {
                // read() may return fewer bytes than asked; -1 ends the loop at end of file
            }
        }
        int read = front.position();
        if (size < MIN_SIZE || read < MIN_SIZE) {
            long bytes = Math.min(size, read);
            throw new BrokenSnapshotException(path + " is " + (bytes == 0 ? "empty" : bytes + " bytes")
                    + ", a DuckDB file is at least " + MIN_SIZE + ": republish it");
        }
        if (!startsWith(front, MAGIC_OFFSET, MAGIC)) {
            throw new BrokenSnapshotException(path + " is not a DuckDB database (no \"DUCK\" at byte 8; "
                    + describeStart(front) + "): publish a DuckDB database file at this path");
        }
        if ((front.getLong(FLAGS_OFFSET) & ENCRYPTED_FLAG) != 0) {
            // Encrypted files checksum their main header differently and encrypt the database
            // headers: there is nothing more to read without the key. The exporter never writes one.
            return;
        }
        verifyChecksum(path, front, 0, "main header");
        verifyChecksum(path, front, HEADER_SIZE, "first database header");
        verifyChecksum(path, front, 2 * HEADER_SIZE, "second database header");
        int active = front.getLong(HEADER_SIZE + 8) > front.getLong(2 * HEADER_SIZE + 8) ? HEADER_SIZE : 2 * HEADER_SIZE;
        long iteration = front.getLong(active + 8);
        long blockCount = front.getLong(active + 32);
        long blockAllocSize = front.getLong(active + 40);
        if (blockAllocSize == 0) {
            blockAllocSize = DEFAULT_BLOCK_ALLOC_SIZE; // files written before the field existed
        }
        if (blockAllocSize < MIN_PLAUSIBLE_BLOCK || blockAllocSize > MAX_PLAUSIBLE_BLOCK || blockCount < 0
                || blockCount > (Long.MAX_VALUE - MIN_SIZE) / blockAllocSize) {
            throw new BrokenSnapshotException(path + " has an impossible database header (" + blockCount
                    + " blocks of " + Long.toUnsignedString(blockAllocSize) + " bytes) behind a valid checksum: "
                    + "it was not written by a DuckDB this driver can read; republish it");
        }
        long expected = MIN_SIZE + blockCount * blockAllocSize;
        if (size < expected) {
            throw new BrokenSnapshotException(path + " is " + size + " bytes, but its header (checkpoint "
                    + iteration + ") says it holds " + blockCount + " blocks of " + blockAllocSize
                    + " bytes, so a whole file is at least " + expected + " bytes: it was truncated or is still "
                    + "being written; republish it, and publish by renaming a complete file over the path");
        }
    }

    /**
     * Throws a {@link BrokenSnapshotException} unless {@code attrs} (read following links) describe a
     * regular file. Opens nothing, so it cannot block whatever is at the path by now.
     */
    static void checkType(Path path, BasicFileAttributes attrs) throws BrokenSnapshotException {
        checkType(path, attrs, path);
    }

    private static void checkType(Path file, BasicFileAttributes attrs, Path name) throws BrokenSnapshotException {
        if (!attrs.isRegularFile()) {
            throw new BrokenSnapshotException(name + " is not a regular file but " + kindOf(file, attrs)
                    + ": publish a DuckDB database file at this path (the exporter does)");
        }
    }

    /**
     * Compares the row counts the exporter recorded in {@code serving_meta.tables} with
     * {@code count(*)} of each listed table, on the current database of {@code connection}. Returns
     * at once when the snapshot has no {@code serving_meta.tables} (files not written by the
     * exporter). {@code count(*)} of a whole table is answered from row group metadata, so this
     * costs one small query per table whatever the data size; it reads no data block, so it
     * cannot see a truncated file: that is {@link #check(Path)}'s job.
     *
     * @param path only named in messages
     * @throws BrokenSnapshotException naming the table and both counts on the first mismatch, or a
     *     listed table the file does not have
     */
    static void checkRowCounts(Connection connection, Path path) throws SQLException, BrokenSnapshotException {
        String catalog;
        Set<String> present = new HashSet<>();
        boolean hasMeta = false;
        try (Statement st = connection.createStatement();
             ResultSet rs = st.executeQuery("SELECT current_database(), schema_name, table_name FROM duckdb_tables() "
                     + "WHERE database_name = current_database()")) {
            catalog = null;
            while (rs.next()) {
                catalog = rs.getString(1);
                String schema = rs.getString(2);
                String table = rs.getString(3);
                present.add(schema + '\0' + table);
                hasMeta |= META_SCHEMA.equals(schema) && META_TABLES.equals(table);
            }
        }
        if (!hasMeta) {
            return;
        }
        List<Object[]> recorded = new ArrayList<>();
        try (Statement st = connection.createStatement();
             ResultSet rs = st.executeQuery("SELECT schema_name, table_name, row_count FROM " + ident(catalog) + "."
                     + ident(META_SCHEMA) + "." + ident(META_TABLES) + " ORDER BY schema_name, table_name")) {
            while (rs.next()) {
                long rows = rs.getLong(3);
                if (!rs.wasNull()) {
                    recorded.add(new Object[] {rs.getString(1), rs.getString(2), rows});
                }
            }
        }
        StringBuilder counts = new StringBuilder();
        for (int i = 0; i < recorded.size(); i++) {
            String schema = (String) recorded.get(i)[0];
            String table = (String) recorded.get(i)[1];
            if (!present.contains(schema + '\0' + table)) {
                throw new BrokenSnapshotException(path + ": " + META_SCHEMA + "." + META_TABLES + " lists table "
                        + schema + "." + table + " with " + recorded.get(i)[2]
                        + " rows, but the file has no such table: republish it");
            }
            // one statement for all tables: a statement costs more than a count(*) here
            counts.append(i == 0 ? "" : " UNION ALL ").append("SELECT ").append(i).append(", count(*) FROM ")
                    .append(ident(catalog)).append('.').append(ident(schema)).append('.').append(ident(table));
        }
        if (recorded.isEmpty()) {
            return;
        }
        long[] actual = new long[recorded.size()];
        try (Statement st = connection.createStatement(); ResultSet rs = st.executeQuery(counts.toString())) {
            while (rs.next()) {
                actual[rs.getInt(1)] = rs.getLong(2);
            }
        }
        for (int i = 0; i < recorded.size(); i++) {
            long expected = (Long) recorded.get(i)[2];
            if (actual[i] != expected) {
                throw new BrokenSnapshotException(path + ": table " + recorded.get(i)[0] + "." + recorded.get(i)[1]
                        + " has " + actual[i] + " rows, but " + META_SCHEMA + "." + META_TABLES
                        + " says the exporter wrote " + expected
                        + ": the file is not the one that was published whole; republish it");
            }
        }
    }

    /** DuckDB's {@code Checksum()} of a header's bytes 8 to 4096, compared with the u64 at its byte 0. */
    private static void verifyChecksum(Path path, ByteBuffer front, int offset, String which)
            throws BrokenSnapshotException {
        long stored = front.getLong(offset);
        long computed = checksum(front, offset + 8, HEADER_SIZE - 8);
        if (stored != computed) {
            throw new BrokenSnapshotException(path + " has a corrupt " + which + " at byte " + offset
                    + " (stored checksum " + Long.toHexString(stored) + ", computed " + Long.toHexString(computed)
                    + "): it was damaged or only partly written; republish it");
        }
    }

    /** DuckDB's {@code Checksum(buffer, size)} for a size that is a multiple of 8 (the headers' is). */
    static long checksum(ByteBuffer buffer, int offset, int length) {
        if (length % 8 != 0) {
            throw new IllegalArgumentException("length " + length + " is not a multiple of 8");
        }
        long result = 5381;
        for (int i = offset; i < offset + length; i += 8) {
            result ^= buffer.getLong(i) * CHECKSUM_MULTIPLIER;
        }
        return result;
    }

    private static boolean startsWith(ByteBuffer buffer, int offset, byte[] expected) {
        for (int i = 0; i < expected.length; i++) {
            if (buffer.get(offset + i) != expected[i]) {
                return false;
            }
        }
        return true;
    }

    private static String describeStart(ByteBuffer front) {
        if (startsWith(front, 0, SQLITE_MAGIC)) {
            return "it is an SQLite database";
        }
        if (startsWith(front, 0, new byte[] {'P', 'A', 'R', '1'})) {
            return "it is a Parquet file";
        }
        StringBuilder text = new StringBuilder();
        boolean printable = true;
        for (int i = 0; i < 16; i++) {
            int b = front.get(i) & 0xff;
            if (b == '\n' || b == '\r' || b == '\t') {
                text.append(b == '\n' ? "\\n" : b == '\r' ? "\\r" : "\\t");
            } else if (b >= 0x20 && b < 0x7f) {
                text.append((char) b);
            } else {
                printable = false;
                break;
            }
        }
        if (printable) {
            return "it starts with \"" + text + "\"";
        }
        StringBuilder hex = new StringBuilder();
        for (int i = 0; i < 16; i++) {
            hex.append(String.format("%02x", front.get(i) & 0xff));
        }
        return "it starts with bytes " + hex;
    }

    /** Names what is at the path: directory, FIFO, socket, device, or "not a regular file". */
    private static String kindOf(Path path, BasicFileAttributes attrs) {
        if (attrs.isDirectory()) {
            return "a directory";
        }
        try {
            int type = (Integer) Files.getAttribute(path, "unix:mode") & 0170000;
            switch (type) {
                case 0010000:
                    return "a FIFO (named pipe), which would block DuckDB's open forever";
                case 0140000:
                    return "a socket";
                case 0020000:
                    return "a character device";
                case 0060000:
                    return "a block device";
                default:
                    break;
            }
        } catch (IOException | RuntimeException e) {
            // no "unix" view on this file system: the generic wording below will do
        }
        return "a special file (FIFO, socket or device)";
    }

    private static String ident(String name) {
        return '"' + name.replace("\"", "\"\"") + '"';
    }
}
