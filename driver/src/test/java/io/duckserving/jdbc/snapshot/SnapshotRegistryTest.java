package io.duckserving.jdbc.snapshot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import org.duckdb.DuckDBConnection;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The registry on its own, with a fake file system and clock ({@link FakeEnvironment}) and
 * in-memory databases: what a statement gets across renames, slow and failing opens, directory
 * events, handoffs and warm-ups, without files or waiting. The end-to-end tests of the JDBC
 * layer check the same contract on real files.
 */
class SnapshotRegistryTest {
    private static final Path PATH = Path.of("/data/analytics.duckdb");
    private static final String HANDOFF = ".analytics.duckdb.tmp-20261201T160000Z-abc.handoff";
    private static final long HOUR_MILLIS = 3_600_000;

    private final FakeEnvironment env = new FakeEnvironment();
    private final SnapshotRegistry registry;
    private final List<CountDownLatch> held = new ArrayList<>();
    private final List<User> users = new ArrayList<>();

    SnapshotRegistryTest() throws SQLException {
        registry = new SnapshotRegistry(new SnapshotKey(PATH, DuckDbOptions.of(Map.of(), false, false, 40),
                Path.of("/nonexistent/spill")), env);
    }

    @AfterEach
    void closeTheRegistry() {
        held.forEach(CountDownLatch::countDown);
        users.forEach(registry::unregister);
        registry.closeIfUnused();
    }

    /** Strict unless {@code maxLagMillis} > 0; no periodic check (a fake clock never fires it), but watched. */
    private static FollowPolicy policy(long maxLagMillis, long maxStalenessMillis, List<String> warmUpSql) {
        return new FollowPolicy(0, TimeUnit.SECONDS.toNanos(1), TimeUnit.MILLISECONDS.toNanos(maxStalenessMillis),
                TimeUnit.SECONDS.toNanos(5), HOUR_MILLIS, TimeUnit.MILLISECONDS.toNanos(maxLagMillis), 8,
                TimeUnit.SECONDS.toNanos(5), warmUpSql, 75);
    }

    private static final FollowPolicy STRICT = policy(0, 0, List.of());

    private static String fileOf(Snapshot s) throws SQLException {
        DuckDBConnection c = s.connect();
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT v FROM t")) {
            rs.next();
            return rs.getString(1);
        } finally {
            c.close();
            s.release();
        }
    }

    private User user(FollowPolicy policy) {
        User u = new User(policy);
        assertTrue(registry.add(u));
        users.add(u);
        return u;
    }

    private CountDownLatch hold(String name) {
        CountDownLatch latch = env.hold(name);
        held.add(latch);
        return latch;
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("still not true after 5 s: " + what);
            }
            Thread.sleep(2);
        }
    }

    /** A statement under {@code policy} does not return while {@code open} holds the open, then reads {@code file}. */
    private void assertWaitsForTheOpenThenReads(String file, FollowPolicy policy, CountDownLatch open) throws Exception {
        CompletableFuture<Snapshot> statement = CompletableFuture.supplyAsync(() -> {
            try {
                return registry.current(policy);
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
        });
        assertThrows(TimeoutException.class, () -> statement.get(200, TimeUnit.MILLISECONDS),
                "the statement returned (with the replaced snapshot) while the new file was still opening");
        open.countDown();
        assertEquals(file, fileOf(statement.get(5, TimeUnit.SECONDS)));
    }

    @Test
    void aStatementAfterARenameReadsTheNewFileAfterOneOpen() throws Exception {
        user(STRICT);
        env.put(PATH, "v1");
        assertEquals("v1", fileOf(registry.current(STRICT)));
        env.put(PATH, "v2");
        assertEquals("v2", fileOf(registry.current(STRICT)));
        assertEquals("v2", fileOf(registry.current(STRICT)));
        assertEquals(2, env.opens.get(), "one open per file, however many statements");
    }

    @Test
    void strictStatementsWaitForTheNewFileRatherThanReadTheReplacedOne() throws Exception {
        user(STRICT);
        env.put(PATH, "v1");
        registry.current(STRICT);
        CountDownLatch open = hold("v2");
        env.put(PATH, "v2");
        assertWaitsForTheOpenThenReads("v2", STRICT, open);
    }

    @Test
    void underAMaxLagStatementsReadThePreviousSnapshotWhileTheNewOneOpensButNoLongerThanTheLag() throws Exception {
        FollowPolicy lag = policy(1000, 0, List.of());
        user(lag);
        env.put(PATH, "v1");
        registry.current(lag);
        CountDownLatch open = hold("v2");
        env.put(PATH, "v2");
        assertEquals("v1", fileOf(registry.current(lag)), "within the lag: no waiting for the open");
        env.advanceMillis(999);
        assertEquals("v1", fileOf(registry.current(lag)));
        env.advanceMillis(2); // 1001 ms since the new file was noticed
        assertWaitsForTheOpenThenReads("v2", lag, open);
    }

    @Test
    void aDirectoryEventOpensAndInstallsTheNewFileWithoutAnyStatement() throws Exception {
        user(STRICT);
        env.put(PATH, "v1");
        Snapshot first = registry.current(STRICT);
        assertNotNull(env.listener, "the registry watches the file's directory");
        env.put(PATH, "v2");
        env.listener.changed("analytics.duckdb", false);
        await("the new file installed by the event alone, the replaced one retired",
                () -> registry.peek() != first && first.isRetired());
        assertEquals("v2", fileOf(registry.peek()));
        int opens = env.opens.get();
        assertEquals("v2", fileOf(registry.current(STRICT)));
        assertEquals(opens, env.opens.get(), "the next statement finds it open");
    }

    @Test
    void eventsForOtherNamesInTheDirectoryAreIgnored() throws Exception {
        user(STRICT);
        env.put(PATH, "v1");
        registry.current(STRICT);
        env.listener.changed("other.duckdb", false);
        env.listener.changed(".analytics.duckdb.tmp-x", false); // the exporter's temp file, not yet handed off
        assertEquals(1, env.opens.get());
    }

    @Test
    void aHandedOffFileIsOpenedAndWarmedAheadAndInstalledAtItsRenameWithoutAnotherOpen() throws Exception {
        user(STRICT);
        env.put(PATH, "v1");
        registry.current(STRICT);
        env.put(PATH.resolveSibling(HANDOFF), "v2");
        env.listener.changed(HANDOFF, false);
        await("the handoff prepared", () -> registry.handoff() != null && registry.handoff().warmed.isDone());
        assertEquals("v1", fileOf(registry.current(STRICT)), "not current before its rename");
        assertEquals(2, env.opens.get());

        env.put(PATH, "v2"); // the exporter's rename: same inode as the handoff name
        Snapshot s = registry.current(STRICT);
        assertEquals("v2", fileOf(s));
        assertEquals(2, env.opens.get(), "installed the prepared snapshot without opening the file again");
        env.remove(PATH.resolveSibling(HANDOFF));
        env.listener.changed(HANDOFF, true);
        assertSame(s, registry.current(STRICT));
    }

    /** A busy watch thread may deliver the handoff's event after the rename's: one open, one swap. */
    @Test
    void aHandoffNoticedAfterItsRenameIsNeitherOpenedNorInstalledAgain() throws Exception {
        user(STRICT);
        env.put(PATH, "v1");
        Snapshot first = registry.current(STRICT);
        env.put(PATH.resolveSibling(HANDOFF), "v2");
        env.put(PATH, "v2");
        CountDownLatch open = hold("v2");
        env.listener.changed("analytics.duckdb", false);
        await("the renamed file opening", () -> env.opens.get() == 2);
        env.listener.changed(HANDOFF, false); // while the same file opens under the path's name
        open.countDown();
        await("the renamed file installed", () -> registry.peek() != first);
        Snapshot installed = registry.peek();
        env.listener.changed(HANDOFF, false); // and once it is current
        assertEquals(2, env.opens.get(), "the handed-off name of the same file is not opened again");
        assertSame(installed, registry.current(STRICT));
        assertEquals(1, registry.metrics.getSwaps());
    }

    /** Publishes faster than events: the next handoff's name appears before the previous rename is seen. */
    @Test
    void aHandoffAlreadyRenamedIntoPlaceIsKeptWhenTheNextOneAppears() throws Exception {
        user(STRICT);
        env.put(PATH, "v1");
        registry.current(STRICT);
        String next = HANDOFF.replace("-abc.", "-def.");
        env.put(PATH.resolveSibling(HANDOFF), "v2");
        env.listener.changed(HANDOFF, false);
        await("v2 prepared", () -> registry.handoff() != null && registry.handoff().warmed.isDone());
        env.put(PATH, "v2"); // renamed; its event not delivered yet
        env.put(PATH.resolveSibling(next), "v3");
        env.listener.changed(next, false);
        assertEquals("v2", fileOf(registry.current(STRICT)));
        assertEquals(2, env.opens.get(), "the prepared v2 was installed, not dropped and opened again");
        env.put(PATH, "v3");
        assertEquals("v3", fileOf(registry.current(STRICT)));
        assertEquals("v3", fileOf(registry.current(STRICT)), "never back to an older file");
    }

    @Test
    void aHandoffThatIsNeverRenamedIsLetGoWhenItsNameGoes() throws Exception {
        user(STRICT);
        env.put(PATH, "v1");
        registry.current(STRICT);
        env.put(PATH.resolveSibling(HANDOFF), "v2");
        env.listener.changed(HANDOFF, false);
        await("the handoff prepared", () -> registry.handoff() != null && registry.handoff().warmed.isDone());
        Snapshot prepared = registry.handoff().snapshot();
        env.remove(PATH.resolveSibling(HANDOFF)); // a killed exporter's leftover, removed by the next run
        env.listener.changed(HANDOFF, true);
        assertEquals(null, registry.handoff());
        assertTrue(prepared.isRetired(), "its database closes");
        assertEquals("v1", fileOf(registry.current(STRICT)));
    }

    @Test
    void warmUpRunsTheWarmUpSqlAndRecentReadQueriesOnTheNewSnapshotBeforeItIsInstalled() throws Exception {
        FollowPolicy warm = policy(0, 0, List.of("SELECT 42"));
        User u = user(warm);
        env.put(PATH, "v1");
        Snapshot first = registry.current(warm);
        SessionState session = new SessionState();
        u.recent.add(new RecentQuery("SELECT v FROM t", null, session, 1));
        u.recent.add(new RecentQuery("SELECT count(*) FROM t WHERE v = ?", ps -> ps.setString(1, "v2"), session, 2));
        u.recent.add(new RecentQuery("SELECT v FROM t", null, session, 0)); // the same query earlier: once
        User other = user(warm); // another connection, the same query in an equal session: once
        other.recent.add(new RecentQuery("SELECT v FROM t", null, new SessionState(), 1));
        env.put(PATH, "v2");
        env.listener.changed("analytics.duckdb", false);
        await("installed", () -> registry.peek() != first);
        // The report is written before the snapshot becomes current: the first look at it sees it whole.
        assertEquals(List.of("SELECT 42", "SELECT count(*) FROM t WHERE v = ?", "SELECT v FROM t"),
                registry.peek().warmUp.ran());
        assertEquals(0, registry.peek().warmUp.failed());
    }

    @Test
    void noWarmUpRunsWhileTheCpusAreBusy() throws Exception {
        FollowPolicy warm = policy(0, 0, List.of("SELECT 42"));
        User u = user(warm);
        env.put(PATH, "v1");
        Snapshot first = registry.current(warm);
        u.recent.add(new RecentQuery("SELECT v FROM t", null, new SessionState(), 1));
        env.cpuLoad = 0.80;
        env.put(PATH, "v2");
        env.listener.changed("analytics.duckdb", false);
        await("installed", () -> registry.peek() != first);
        assertTrue(registry.peek().warmUp.skippedBusy(), "readers would pay for a warm-up on busy cores");
        assertEquals(List.of(), registry.peek().warmUp.ran());
    }

    @Test
    void aWarmUpIsCutAtItsBudget() throws Exception {
        FollowPolicy tight = new FollowPolicy(0, 0, 0, TimeUnit.SECONDS.toNanos(5), HOUR_MILLIS, 0, 8,
                TimeUnit.MILLISECONDS.toNanos(100), List.of("SELECT count(*) FROM range(100000000000)"), 75);
        user(tight);
        env.put(PATH, "v1");
        Snapshot first = registry.current(tight);
        env.put(PATH, "v2");
        long started = System.nanoTime();
        env.listener.changed("analytics.duckdb", false);
        await("installed", () -> registry.peek() != first);
        assertTrue(System.nanoTime() - started < TimeUnit.SECONDS.toNanos(3),
                "a query of minutes was cancelled at the 100 ms budget");
        assertTrue(registry.peek().warmUp.cutShort());
        assertEquals(List.of(), registry.peek().warmUp.ran());
    }

    @Test
    void aFileThatFailsKeepsTheLastGoodSnapshotUntilTheStalenessLimitPassesOnTheClock() throws Exception {
        FollowPolicy stale = policy(0, 10_000, List.of());
        user(stale);
        env.put(PATH, "v1");
        registry.current(stale);
        env.breakFile("v2");
        env.put(PATH, "v2");
        assertEquals("v1", fileOf(registry.current(stale)), "readers keep the last good snapshot");
        env.advanceMillis(9_000);
        assertEquals("v1", fileOf(registry.current(stale)));
        env.advanceMillis(2_000);
        SQLException e = assertThrows(SQLNonTransientConnectionException.class, () -> registry.current(stale));
        assertEquals("08006", e.getSQLState());
        assertTrue(e.getMessage().contains("serving_max_staleness_ms"), e.getMessage());
    }

    @Test
    void aFailedFileIsRetriedOnlyAfterTheRetryInterval() throws Exception {
        user(STRICT);
        env.put(PATH, "v1");
        registry.current(STRICT);
        env.breakFile("v2");
        env.put(PATH, "v2");
        registry.current(STRICT);
        int opens = env.opens.get();
        for (int i = 0; i < 10; i++) {
            registry.current(STRICT);
        }
        assertEquals(opens, env.opens.get(), "not retried on every statement");
        env.advanceMillis(1_001);
        registry.current(STRICT);
        assertEquals(opens + 1, env.opens.get(), "retried once the interval passed");
    }

    @Test
    void anIdleConnectionLetsGoOfTheReplacedSnapshotAtTheSwap() throws Exception {
        User u = user(STRICT);
        env.put(PATH, "v1");
        Snapshot first = registry.current(STRICT);
        env.put(PATH, "v2");
        registry.current(STRICT);
        assertEquals(List.of(first), u.released, "told to let go of the replaced snapshot");
    }

    /** A connection as the registry sees it. */
    private static final class User implements SnapshotUser {
        final FollowPolicy policy;
        final List<Snapshot> released = new ArrayList<>();
        final List<RecentQuery> recent = new ArrayList<>();

        User(FollowPolicy policy) {
            this.policy = policy;
        }

        @Override
        public synchronized void releaseIfIdle(Snapshot retired) {
            released.add(retired);
        }

        @Override
        public FollowPolicy policy() {
            return policy;
        }

        @Override
        public synchronized void recentQueries(List<RecentQuery> sink) {
            sink.addAll(recent);
        }
    }
}
