package io.duckserving.exporter;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The library API refuses what the CLI refuses, before anything is written: option bounds,
 * a source that is not a DuckDB file, target names DuckDB reserves, an unusable lock path; and
 * a refused request leaves no lock file behind.
 */
class RequestChecksTest {

    @TempDir
    Path dir;

    Path lake;
    Path target;

    @BeforeEach
    void createLakehouse() throws Exception {
        lake = Files.createDirectories(dir.resolve("lake")).resolve("lakehouse.duckdb");
        Lakehouse.create(lake, 100);
        target = Files.createDirectories(dir.resolve("pub")).resolve("analytics.duckdb");
    }

    @Test
    void threadsAreBoundedByFourPerCore() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ExportRequest.builder().threads(100_000));
        assertTrue(e.getMessage().contains("--threads") && e.getMessage().contains("1 to " + ExportRequest.MAX_THREADS)
                && e.getMessage().contains("100000"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ExportRequest.builder().threads(ExportRequest.MAX_THREADS + 1));
        assertThrows(IllegalArgumentException.class, () -> ExportRequest.builder().threads(-1));
        assertDoesNotThrow(() -> ExportRequest.builder().threads(0));
        assertDoesNotThrow(() -> ExportRequest.builder().threads(ExportRequest.MAX_THREADS));
        assertEquals(4 * Runtime.getRuntime().availableProcessors(), ExportRequest.MAX_THREADS);
    }

    @Test
    void negativeZeroOrUnparsableMemoryLimitsAreRefusedNamingTheOption() {
        for (String bad : List.of("-5GB", "-1", "lots", "5", "0GB", "0.0MB", "150%", "", "1e3MB", "2 GBs", "NaNGB")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> ExportRequest.builder().memoryLimit(bad), bad);
            assertTrue(e.getMessage().contains("--memory-limit") && e.getMessage().contains("'" + bad + "'")
                    && e.getMessage().contains("e.g. 512MB"), e.getMessage());
        }
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ExportRequest.builder().memoryLimit("-5GB"))
                .getMessage().contains("negative"));
    }

    @Test
    void duckDbStyleMemoryLimitsAreAcceptedAndApplied() throws Exception {
        for (String good : List.of("512MB", "2GB", "1.5GiB", "80%", "2 gb", " 3TB ", "1048576B", "100%")) {
            assertDoesNotThrow(() -> ExportRequest.builder().memoryLimit(good), good);
        }
        ExportReport report = new Exporter().export(ExportRequest.builder().source(lake).target(target)
                .memoryLimit("1.5GiB").handoff(Duration.ZERO).build());
        assertEquals(152, report.totalRows());
    }

    @Test
    void waitTimeoutIsBoundedAsOnTheCommandLine() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ExportRequest.builder().waitTimeout(Duration.ofDays(367)));
        assertTrue(e.getMessage().contains("--wait") && e.getMessage().contains("366 days"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ExportRequest.builder().waitTimeout(Duration.ofSeconds(-1)));
        assertDoesNotThrow(() -> ExportRequest.builder().waitTimeout(ExportRequest.MAX_WAIT));
    }

    @Test
    void handoffIsBoundedByTenMinutesAndNeverNegative() {
        IllegalArgumentException tooLong = assertThrows(IllegalArgumentException.class,
                () -> ExportRequest.builder().handoff(Duration.ofMinutes(10).plusMillis(1)));
        assertTrue(tooLong.getMessage().contains("--handoff") && tooLong.getMessage().contains("10 minutes")
                && tooLong.getMessage().contains("too long"), tooLong.getMessage());
        IllegalArgumentException negative = assertThrows(IllegalArgumentException.class,
                () -> ExportRequest.builder().handoff(Duration.ofMillis(-1)));
        assertTrue(negative.getMessage().contains("--handoff") && negative.getMessage().contains("negative")
                && negative.getMessage().contains("-1ms"), negative.getMessage());
        assertThrows(NullPointerException.class, () -> ExportRequest.builder().handoff(null));
        assertDoesNotThrow(() -> ExportRequest.builder().handoff(Duration.ZERO));
        assertDoesNotThrow(() -> ExportRequest.builder().handoff(ExportRequest.MAX_HANDOFF));
        assertEquals(Duration.ofMinutes(10), ExportRequest.MAX_HANDOFF);
    }

    @Test
    void targetsNamedLikeAWriteAheadLogOrALockFileAreRefused() throws Exception {
        for (String name : List.of("analytics.wal", "analytics.duckdb.wal", "analytics.duckdb.WAL",
                "analytics.duckdb.wal.checkpoint", "analytics.duckdb.wal.recovery", "other.duckdb.lock")) {
            Path bad = target.resolveSibling(name);
            ExportException e = assertThrows(ExportException.class, () -> Lakehouse.export(lake, bad), name);
            assertEquals(ExportException.Reason.INVALID_REQUEST, e.reason());
            assertTrue(e.getMessage().contains(bad.toString()) && e.getMessage().contains("--target")
                    && e.getMessage().contains("analytics.duckdb"), e.getMessage());
        }
        assertEquals(List.of(), SnapshotAssertions.entries(target.getParent()), "nothing written, no lock file");
    }

    @Test
    void sqliteSourceIsNamedAsSqliteNotAsAMissingExtension() throws Exception {
        Path sqlite = dir.resolve("lake/lakehouse.sqlite");
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + sqlite); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE orders (id INTEGER PRIMARY KEY, amount REAL)");
            st.execute("INSERT INTO orders VALUES (1, 9.5)");
        }
        ExportException e = assertThrows(ExportException.class, () -> Lakehouse.export(sqlite, target));
        assertEquals(ExportException.Reason.INVALID_REQUEST, e.reason());
        assertTrue(e.getMessage().contains(sqlite.toString()) && e.getMessage().contains("SQLite")
                && e.getMessage().contains("not a DuckDB file") && e.getMessage().contains("--source"), e.getMessage());
        assertFalse(e.getMessage().contains("sqlite_scanner"), e.getMessage());
        assertEquals(List.of(), SnapshotAssertions.entries(target.getParent()));
    }

    @Test
    void refusedRequestsLeaveNoLockFile() throws Exception {
        Path junk = dir.resolve("lake/junk.duckdb");
        Files.writeString(junk, "not a database ".repeat(1000));
        Path empty = Files.createFile(dir.resolve("lake/empty.duckdb"));
        for (Path source : List.of(junk, empty, dir.resolve("lake/missing.duckdb"))) {
            ExportException e = assertThrows(ExportException.class, () -> Lakehouse.export(source, target));
            assertEquals(ExportException.Reason.INVALID_REQUEST, e.reason(), e.getMessage());
            assertTrue(e.getMessage().contains(source.toString()), e.getMessage());
        }
        ExportException noSchema = assertThrows(ExportException.class, () -> Lakehouse.export(lake, target, "marts"));
        assertEquals(ExportException.Reason.INVALID_REQUEST, noSchema.reason(), noSchema.getMessage());
        assertEquals(List.of(), SnapshotAssertions.entries(target.getParent()), "no " + target + ".lock left");
    }

    @Test
    void aRefusedRequestKeepsALockFileItDidNotCreate() throws Exception {
        ExportReport published = Lakehouse.export(lake, target);
        assertThrows(ExportException.class, () -> Lakehouse.export(lake, target, "marts"));
        assertEquals(List.of(".analytics.duckdb.history", "analytics.duckdb", "analytics.duckdb.lock"),
                SnapshotAssertions.entries(target.getParent()));
        try (Connection c = Lakehouse.open(target, true)) {
            assertEquals(List.of(List.of(published.publishId())),
                    Lakehouse.rows(c, "SELECT publish_id FROM serving_meta.publish"));
        }
    }

    /**
     * Another process waits on the lock file a refused run created and then deletes: once it gets
     * the lock, it must hold the lock on the file the path names, not on the deleted one.
     */
    @Test
    void aWaiterOnADeletedLockFileLocksTheFileThePathNamesNow() throws Exception {
        Path lockFile = TargetLock.lockFileOf(target);
        Process waiter;
        try (TargetLock refused = TargetLock.acquire(target, Duration.ZERO)) {
            waiter = ChildJvm.main(HoldLock.class, target.toString());
            awaitOpenedBy(waiter, lockFile);
            refused.deleteIfCreated();
        }
        try {
            ChildJvm.awaitLine(waiter.getInputStream(), "locked");
            Process probe = ChildJvm.main(TargetLockTest.TryLock.class, lockFile.toString());
            String answer = new String(probe.getInputStream().readAllBytes()).strip();
            assertTrue(probe.waitFor(60, TimeUnit.SECONDS));
            assertEquals("busy", answer, "the waiter must hold the lock on " + lockFile + " as the path names it");
        } finally {
            waiter.getOutputStream().close();
            assertTrue(waiter.waitFor(60, TimeUnit.SECONDS));
        }
    }

    /** Waits until the process has the file open (Linux: its /proc/PID/fd links). */
    private static void awaitOpenedBy(Process process, Path file) throws Exception {
        Path fds = Path.of("/proc", Long.toString(process.pid()), "fd");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            try (var links = Files.list(fds)) {
                boolean open = links.anyMatch(fd -> {
                    try {
                        return Files.readSymbolicLink(fd).equals(file);
                    } catch (Exception e) {
                        return false;
                    }
                });
                if (open) {
                    return;
                }
            }
            assertTrue(process.isAlive(), "the waiting process ended early");
            Thread.sleep(10); // polling /proc, not a proof of anything
        }
        throw new AssertionError(process.pid() + " never opened " + file);
    }

    /** Takes the target's lock (waiting up to a minute), prints "locked", holds it until stdin closes. */
    public static final class HoldLock {
        public static void main(String[] args) throws Exception {
            try (TargetLock lock = TargetLock.acquire(Path.of(args[0]), Duration.ofSeconds(60))) {
                System.out.println("locked");
                System.out.flush();
                System.in.read();
            }
        }
    }
}
