package io.duckserving.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.duckserving.jdbc.snapshot.EngineTestAccess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Swaps off the readers' path, on real files: the directory watch notices a rename with no
 * statement running, the new snapshot is warmed with what readers ran before it becomes current,
 * {@code serving_max_lag_ms} trades a bounded lag for no waiting, and a file the exporter hands off
 * before its rename is installed at the rename without another open.
 */
class SeamlessSwapTest extends PublishedSnapshotTest {
    /** An open this slow is one no statement could hide, whatever the machine. */
    private static final long SLOW_OPEN_MILLIS = 1500;

    @AfterEach
    void opensAtFullSpeedAgain() {
        EngineTestAccess.beforeOpen(p -> { });
    }

    private void slowOpens() {
        EngineTestAccess.beforeOpen(p -> {
            try {
                Thread.sleep(SLOW_OPEN_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
    }

    @Test
    void aRenameIsNoticedByTheDirectoryWatchWithNoStatementRunning() throws Exception {
        // The periodic check is an hour away: only the directory watch can notice the rename.
        try (Connection c = connect("serving_watch_interval_ms=3600000")) {
            assertEquals(1, SnapshotFiles.readVersion(c));
            long opened = ServingDriver.snapshotsOpened();
            SnapshotFiles.publish(target, 2);
            Poll.until(Duration.ofSeconds(1), "the new file opened and the replaced one let go, with no statement",
                    () -> ServingDriver.snapshotsOpened() == opened + 1 && SnapshotFiles.openDeletedFiles(dir).isEmpty());
            assertEquals(2, SnapshotFiles.readVersion(c));
            assertEquals(opened + 1, ServingDriver.snapshotsOpened(), "the statement found it open already");
        }
    }

    @Test
    void theWarmUpRunsOnlyTheReadQueriesThatSucceededOnTheNewSnapshotBeforeItBecomesCurrent() throws Exception {
        // 100: whatever else the test machine runs, this test is about what the warm-up does.
        try (Connection c = connect("serving_warmup_sql=SELECT 42", "serving_warmup_max_cpu_percent=100")) {
            try (Statement s = c.createStatement()) {
                s.executeQuery("SELECT count(*) FROM t").close();
                s.execute("SET TimeZone = 'UTC'");
                assertThrows(SQLException.class, () -> s.executeQuery("SELECT * FROM no_such_table"));
                assertThrows(SQLException.class, () -> s.execute("INSERT INTO t VALUES (1000, 1)"));
                assertThrows(SQLException.class, () -> s.execute("COPY t TO '" + dir.resolve("x.csv") + "'"));
            }
            try (PreparedStatement ps = c.prepareStatement("SELECT v FROM t WHERE id = ?")) {
                ps.setInt(1, 7);
                ps.executeQuery().close();
            }
            SnapshotFiles.publish(target, 2);
            Poll.until(Duration.ofSeconds(5), "the new snapshot warmed and current",
                    () -> !EngineTestAccess.warmedSql(target).isEmpty());
            assertEquals(List.of("SELECT 42", "SELECT v FROM t WHERE id = ?", "SELECT count(*) FROM t"),
                    EngineTestAccess.warmedSql(target),
                    "the warm-up SQL, then the read queries that succeeded, newest first: no SET, no failed "
                            + "query, no write, no COPY");
            assertEquals(0, EngineTestAccess.warmUpFailures(target), "each replayed with its parameters and session");
            assertEquals(2, SnapshotFiles.readVersion(c));
        }
    }

    @Test
    void aStrictStatementWaitsForASlowOpenRatherThanReadTheReplacedFile() throws Exception {
        try (Connection c = connect()) {
            assertEquals(1, SnapshotFiles.readVersion(c));
            slowOpens();
            SnapshotFiles.publish(target, 2);
            assertEquals(2, SnapshotFiles.readVersion(c), "strict: never the replaced snapshot");
        }
    }

    @Test
    void underAMaxLagStatementsDoNotWaitForTheOpenAndMoveOnOnceItIsReady() throws Exception {
        try (Connection c = connect("serving_max_lag_ms=60000")) {
            assertEquals(1, SnapshotFiles.readVersion(c));
            slowOpens();
            long opened = ServingDriver.snapshotsOpened();
            SnapshotFiles.publish(target, 2);
            long start = System.nanoTime();
            assertEquals(1, SnapshotFiles.readVersion(c), "within the lag: the previous snapshot");
            assertTrue(System.nanoTime() - start < TimeUnit.MILLISECONDS.toNanos(SLOW_OPEN_MILLIS / 2),
                    "the statement did not wait for the open");
            Poll.until(Duration.ofSeconds(10), "the new file opened in the background",
                    () -> ServingDriver.snapshotsOpened() > opened);
            Poll.until(Duration.ofSeconds(5), "statements on the new snapshot once it is ready",
                    () -> SnapshotFiles.readVersion(c) == 2);
        }
    }

    @Test
    void underAMaxLagNoStatementReadsASnapshotReplacedLongerAgoThanTheLag() throws Exception {
        try (Connection c = connect("serving_max_lag_ms=300")) {
            assertEquals(1, SnapshotFiles.readVersion(c));
            slowOpens();
            SnapshotFiles.publish(target, 2);
            long renamed = System.nanoTime();
            Poll.until(Duration.ofSeconds(1), "the lag passed", () -> System.nanoTime() - renamed
                    > TimeUnit.MILLISECONDS.toNanos(400));
            assertEquals(2, SnapshotFiles.readVersion(c), "past the lag the statement waits for the new snapshot");
        }
    }

    @Test
    void aTransactionStaysOnOneSnapshotUnderAMaxLag() throws Exception {
        try (Connection c = connect("serving_max_lag_ms=60000", "serving_warmup_max_cpu_percent=100");
             Connection other = connect("serving_max_lag_ms=60000", "serving_warmup_max_cpu_percent=100")) {
            c.setAutoCommit(false);
            assertEquals(1, SnapshotFiles.readVersion(c));
            SnapshotFiles.publish(target, 2);
            Poll.until(Duration.ofSeconds(5), "the new snapshot warmed and installed by the watch",
                    () -> !EngineTestAccess.warmedSql(target).isEmpty());
            assertEquals(2, SnapshotFiles.readVersion(other), "installed: statements outside the transaction read it");
            assertEquals(1, SnapshotFiles.readVersion(c), "the transaction's snapshot, not the newer one");
            c.commit();
            assertEquals(2, SnapshotFiles.readVersion(c));
        }
    }

    /** The exporter's handoff protocol: a finished file shown under a handoff name, then renamed. */
    @Test
    void aHandedOffFileIsInstalledAtItsRenameWithoutAnotherOpen() throws Exception {
        try (Connection c = connect()) {
            assertEquals(1, SnapshotFiles.readVersion(c));
            Path temp = dir.resolve(".analytics.duckdb.tmp-20261201T160000Z-1");
            SnapshotFiles.write(temp, 2, SnapshotFiles.DEFAULT_ROWS);
            long opened = ServingDriver.snapshotsOpened();
            Path handoff = Files.createLink(dir.resolve(temp.getFileName() + ".handoff"), temp);
            Poll.until(Duration.ofSeconds(5), "the handed-off file opened ahead of its rename",
                    () -> ServingDriver.snapshotsOpened() == opened + 1);
            assertEquals(1, SnapshotFiles.readVersion(c), "not current before the rename");

            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
            assertEquals(2, SnapshotFiles.readVersion(c));
            Files.delete(handoff);
            assertEquals(opened + 1, ServingDriver.snapshotsOpened(), "installed the prepared inode: one open in all");
            Poll.until(Duration.ofSeconds(5), "the replaced file let go", () -> SnapshotFiles.openDeletedFiles(dir).isEmpty());
        }
    }

    @Test
    void aHandoffThatIsNeverRenamedIsLetGoWhenItsNameIsRemoved() throws Exception {
        try (Connection c = connect()) {
            assertEquals(1, SnapshotFiles.readVersion(c));
            Path temp = dir.resolve(".analytics.duckdb.tmp-20261201T160000Z-2");
            SnapshotFiles.write(temp, 2, SnapshotFiles.DEFAULT_ROWS);
            long opened = ServingDriver.snapshotsOpened();
            Path handoff = Files.createLink(dir.resolve(temp.getFileName() + ".handoff"), temp);
            Poll.until(Duration.ofSeconds(5), "the handed-off file opened", () -> ServingDriver.snapshotsOpened() == opened + 1);
            // A killed exporter: the next run removes its leftovers.
            Files.delete(handoff);
            Files.delete(temp);
            Poll.until(Duration.ofSeconds(5), "the prepared snapshot of the removed file let go",
                    () -> SnapshotFiles.openDeletedFiles(dir).isEmpty());
            assertEquals(1, SnapshotFiles.readVersion(c), "readers never saw it");
        }
    }

    /** Anyone who may write the directory can plant names: only a regular file, not through a link, is opened. */
    @Test
    void handoffNamesThatAreFifosOrSymbolicLinksAreIgnored() throws Exception {
        try (Connection c = connect()) {
            assertEquals(1, SnapshotFiles.readVersion(c));
            Path elsewhere = dir.resolve("elsewhere");
            Files.createDirectories(elsewhere);
            Path real = elsewhere.resolve("v2.duckdb");
            SnapshotFiles.write(real, 2, SnapshotFiles.DEFAULT_ROWS);
            long opened = ServingDriver.snapshotsOpened();
            Path fifo = dir.resolve(".analytics.duckdb.tmp-20261201T160000Z-3.handoff");
            assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor());
            Files.createSymbolicLink(dir.resolve(".analytics.duckdb.tmp-20261201T160000Z-4.handoff"), real);
            // A publish after them: once its rename is handled, their events were handled too (in order).
            SnapshotFiles.publish(target, 3);
            Poll.until(Duration.ofSeconds(5), "the publish after them opened",
                    () -> ServingDriver.snapshotsOpened() > opened);
            assertEquals(3, SnapshotFiles.readVersion(c));
            assertEquals(opened + 1, ServingDriver.snapshotsOpened(), "neither planted name was opened");
        }
    }

    @Test
    void underAMaxLagABadFileKeepsTheLastGoodSnapshotAndTheNextGoodOneIsServed() throws Exception {
        try (Connection c = connect("serving_max_lag_ms=200")) {
            assertEquals(1, SnapshotFiles.readVersion(c));
            SnapshotFiles.publishJunk(target);
            long published = System.nanoTime();
            for (int i = 0; i < 20 || System.nanoTime() - published < TimeUnit.MILLISECONDS.toNanos(400); i++) {
                assertEquals(1, SnapshotFiles.readVersion(c), "within and past the lag: the last good snapshot");
            }
            SnapshotFiles.publish(target, 2);
            Poll.until(Duration.ofSeconds(5), "the next good file served", () -> SnapshotFiles.readVersion(c) == 2);
        }
    }
}
