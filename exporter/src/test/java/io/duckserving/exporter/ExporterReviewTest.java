package io.duckserving.exporter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Review findings on the exporter: each test fails against the code it was written for. */
class ExporterReviewTest {

    @TempDir
    Path dir;

    private static ExportReport exportFile(Path lake, Path target, String... schemas) throws ExportException {
        ExportRequest.Builder b = ExportRequest.builder().source(lake).target(target);
        if (schemas.length > 0) {
            b.schemas(List.of(schemas));
        }
        return new Exporter().export(b.build());
    }

    /**
     * Two exporters of one target in one JVM: when the second gives up waiting it closes its own
     * channel on the lock file, and on Linux that drops every POSIX lock this process holds on
     * the file, including the first exporter's. Another process can then lock the target and
     * run its clean-up (deleting the first exporter's temporary file) while the first still writes.
     */
    @Test
    void aSecondExporterGivingUpInTheSameJvmDoesNotDropTheFirstOnesLock() throws Exception {
        Path target = dir.resolve("analytics.duckdb");
        try (TargetLock first = TargetLock.acquire(target, Duration.ZERO)) {
            ExportException e = assertThrows(ExportException.class,
                    () -> TargetLock.acquire(target, Duration.ofMillis(200)));
            assertEquals(ExportException.Reason.TARGET_LOCKED, e.reason());

            Process other = ChildJvm.main(TryLock.class, TargetLock.lockFileOf(target).toString());
            String answer = new String(other.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            assertTrue(other.waitFor(60, TimeUnit.SECONDS));
            assertEquals("busy", answer, "another process must not get the lock while the first exporter holds it");
        }
    }

    /** Separate JVM: prints "locked" if it could take the lock file's OS lock, else "busy". */
    public static final class TryLock {
        public static void main(String[] args) throws Exception {
            try (FileChannel ch = FileChannel.open(Path.of(args[0]), StandardOpenOption.WRITE)) {
                FileLock lock = ch.tryLock();
                System.out.println(lock != null ? "locked" : "busy");
            }
        }
    }

    /**
     * The leftover clean-up globs "." + file name + ".tmp-*": glob characters in the target's
     * name make it match other targets' temporary files ([1] matches "1"), which are protected
     * by a different lock file, so a running exporter of data1.duckdb loses its file.
     */
    @Test
    void cleanUpNeverTouchesTemporaryFilesOfAnotherTarget() throws Exception {
        Path lake = dir.resolve("lakehouse.duckdb");
        Lakehouse.create(lake, 10);
        Path othersTemp = dir.resolve(".data1.duckdb.tmp-20250101T000000Z-abcdef");
        Files.writeString(othersTemp, "another exporter's snapshot in progress");

        exportFile(lake, dir.resolve("data[1].duckdb"));

        assertTrue(Files.exists(othersTemp), "the temporary file of target data1.duckdb was deleted");
    }

    /** A '{' in the target's name makes the glob invalid: a PatternSyntaxException escapes instead of an ExportException. */
    @Test
    void targetNameWithABraceIsExportedOrRefusedWithAnExportException() throws Exception {
        Path lake = dir.resolve("lakehouse.duckdb");
        Lakehouse.create(lake, 10);
        Path target = dir.resolve("analytics{v2.duckdb");
        try {
            exportFile(lake, target);
        } catch (ExportException expected) {
            return; // a clear refusal is fine too
        }
        assertTrue(Files.exists(target));
    }

    /**
     * DuckDB strips leading dots from the catalog name: ".serving.duckdb" opens as catalog
     * "serving". DuckDb.catalogName computes "" and lets the clash through.
     */
    @Test
    void hiddenTargetFileNamedAfterTheSchemaIsRefused() throws Exception {
        Path lake = dir.resolve("lakehouse.duckdb");
        Lakehouse.create(lake, 10);
        Path hidden = dir.resolve(".serving.duckdb");
        ExportException e = assertThrows(ExportException.class, () -> exportFile(lake, hidden));
        assertEquals(ExportException.Reason.INVALID_REQUEST, e.reason());
        assertFalse(Files.exists(hidden));
    }

    /**
     * DuckDB appends "_db" to the reserved names main, temp and system: "main.duckdb" opens as
     * catalog "main_db". DuckDb.catalogName computes "main", so exporting schema main_db there is
     * published with every main_db.t ambiguous.
     */
    @Test
    void targetMainDuckDbClashesWithSchemaMainDb() throws Exception {
        Path lake = dir.resolve("lakehouse.duckdb");
        Lakehouse.create(lake, 10);
        try (Connection c = Lakehouse.open(lake, false); Statement st = c.createStatement()) {
            st.execute("CREATE SCHEMA main_db; CREATE TABLE main_db.t AS SELECT 1 AS x");
        }
        Path main = dir.resolve("main.duckdb");
        ExportException e = assertThrows(ExportException.class, () -> exportFile(lake, main, "main_db"));
        assertEquals(ExportException.Reason.INVALID_REQUEST, e.reason());
        assertTrue(e.getMessage().contains("main_db"), e.getMessage());
        assertFalse(Files.exists(main));
    }

    /**
     * A lakehouse file named memory.duckdb gets the catalog name "memory", which the exporter's
     * own in-memory work database already has: ATTACH fails and the message blames the file
     * ("check that it is a DuckDB database file").
     */
    @Test
    void lakehouseNamedMemoryCanBeExported() throws Exception {
        Path lake = dir.resolve("memory.duckdb");
        Lakehouse.create(lake, 10);
        ExportReport report = exportFile(lake, dir.resolve("analytics.duckdb"));
        assertEquals(10L + 2 + 5, report.totalRows());
    }

    /**
     * The live DuckDB route exports Arrow without arrow_lossless_conversion: BIT comes back as a
     * different bit string and TIMETZ loses its offset, silently (no error, wrong values).
     */
    @Test
    void liveDuckDbConnectionKeepsBitAndTimeTzValues() throws Exception {
        Path lake = dir.resolve("lakehouse.duckdb");
        Path target = dir.resolve("analytics.duckdb");
        try (Connection c = Lakehouse.open(lake, false); Statement st = c.createStatement()) {
            st.execute("CREATE SCHEMA serving");
            st.execute("CREATE TABLE serving.odd AS SELECT '0101'::BIT AS b, '10:00:00+02'::TIMETZ AS tz");
        }
        try (Connection pipeline = Lakehouse.open(lake, false)) {
            new Exporter().export(ExportRequest.builder().sourceConnection(pipeline).target(target).build());
        }
        try (Connection c = Lakehouse.open(target, true)) {
            assertEquals(List.of(List.of("0101", "10:00:00+02")),
                    Lakehouse.rows(c, "SELECT b::VARCHAR, tz::VARCHAR FROM serving.odd"));
        }
        SnapshotAssertions.assertSameRelations(lake, target, List.of("serving.odd"));
    }

    /** Same cause: UHUGEINT travels as signed DECIMAL(38,0), so values of 2^127 and above fail the copy. */
    @Test
    void liveDuckDbConnectionCopiesTheLargestUhugeint() throws Exception {
        Path lake = dir.resolve("lakehouse.duckdb");
        Path target = dir.resolve("analytics.duckdb");
        try (Connection c = Lakehouse.open(lake, false); Statement st = c.createStatement()) {
            st.execute("CREATE SCHEMA serving");
            st.execute("CREATE TABLE serving.big AS SELECT 340282366920938463463374607431768211455::UHUGEINT AS u");
        }
        try (Connection pipeline = Lakehouse.open(lake, false)) {
            new Exporter().export(ExportRequest.builder().sourceConnection(pipeline).target(target).build());
        }
        SnapshotAssertions.assertSameRelations(lake, target, List.of("serving.big"));
    }

    /**
     * JdbcLiveSource passes the schema name to DatabaseMetaData.getTables as a pattern: '_' is a
     * wildcard, so asking for "a_b" also copies the tables of schema "axb" (or fails on them).
     */
    @Test
    void plainJdbcSourceCopiesOnlyTheNamedSchemaEvenWithAnUnderscore() throws Exception {
        Path lake = dir.resolve("other_db.duckdb");
        try (Connection c = Lakehouse.open(lake, false); Statement st = c.createStatement()) {
            st.execute("CREATE SCHEMA a_b; CREATE SCHEMA axb");
            st.execute("CREATE TABLE a_b.wanted AS SELECT 1 AS x");
            st.execute("CREATE TABLE axb.secret AS SELECT 2 AS y");
        }
        ExportReport report;
        try (Connection real = Lakehouse.open(lake, true)) {
            report = new Exporter().export(ExportRequest.builder().sourceConnection(JdbcLiveSourceTest.hideDuckDb(real))
                    .target(dir.resolve("analytics.duckdb")).schema("a_b").build());
        }
        assertEquals(List.of("a_b.wanted"), List.copyOf(report.tables().keySet()));
    }

    /**
     * The CLI must print a one-line cause; DuckDB's binder errors carry "LINE 1: ..." context on
     * further lines, which ExportCommand prints as they are.
     */
    @Test
    void cliPrintsTheCauseOfABrokenViewOnOneLine() throws Exception {
        Path lake = dir.resolve("lakehouse.duckdb");
        Lakehouse.create(lake, 10);
        try (Connection c = Lakehouse.open(lake, false); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE staging.dropped AS SELECT 1 AS x");
            st.execute("CREATE VIEW serving.stale AS SELECT x FROM staging.dropped");
            st.execute("ALTER TABLE staging.dropped RENAME COLUMN x TO y");
        }
        CliRun r = runCli("--source", lake.toString(), "--target", dir.resolve("analytics.duckdb").toString(),
                "--quiet");
        assertEquals(1, r.exitCode(), r.stderr());
        assertTrue(r.stderr().contains("serving.stale"), r.stderr());
        assertEquals(1, r.stderr().strip().lines().count(), r.stderr());
    }

    /** A --wait too large for Duration.toNanos ends in an ArithmeticException stack trace, not a message naming --wait. */
    @Test
    void cliRefusesAnOverlongWaitNamingTheOption() throws Exception {
        Path lake = dir.resolve("lakehouse.duckdb");
        Lakehouse.create(lake, 10);
        CliRun r = runCli("--source", lake.toString(), "--target", dir.resolve("analytics.duckdb").toString(),
                "--wait", "10000000000");
        assertEquals(2, r.exitCode(), r.stderr());
        assertTrue(r.stderr().contains("--wait"), r.stderr());
        assertEquals(1, r.stderr().strip().lines().count(), r.stderr());
    }

    private record CliRun(int exitCode, String stderr) {
    }

    private static CliRun runCli(String... args) {
        PrintStream saved = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            int code = ExportCommand.run(args);
            return new CliRun(code, err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setErr(saved);
        }
    }
}
