package io.duckserving.exporter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kills the exporter with SIGKILL at many instants spread over its whole run while a reader on
 * {@code jdbc:duckdb-serving:} queries the target non-stop: every query must succeed and see one
 * complete snapshot, and the next run must clean up whatever the killed ones left.
 */
class KillNineIT {

    private static final int KILLS = 10;

    /** One statement, so one snapshot: the metadata's totals must equal the rows actually there. */
    private static final String SNAPSHOT_CHECK = "SELECT p.publish_id, p.total_rows,"
            + " (SELECT sum(row_count) FROM serving_meta.tables),"
            + " (SELECT count(*) FROM serving.events) + (SELECT count(*) FROM serving.moods)"
            + " + (SELECT count(*) FROM serving.recent)"
            + " FROM serving_meta.publish p";

    @TempDir
    Path dir;

    @Test
    void killedAtAnyInstantTheTargetIsTheOldOrTheNewCompleteSnapshot() throws Exception {
        Path lake = Files.createDirectories(dir.resolve("lake")).resolve("lakehouse.duckdb");
        Path pub = Files.createDirectories(dir.resolve("pub"));
        Path target = pub.resolve("analytics.duckdb");
        Lakehouse.create(lake, 150_000);
        List<String> args = List.of("--source", lake.toString(), "--target", target.toString(), "--quiet");

        // Calibration: how long a run takes, and how long its temporary file exists.
        long start = System.nanoTime();
        Process first = ChildJvm.exporter(args);
        first.getOutputStream().close();
        long tempSeen = awaitTempFile(pub, first);
        assertTrue(first.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, first.exitValue());
        long fullRunMillis = (System.nanoTime() - start) / 1_000_000;
        long writeMillis = Math.max(50, (System.nanoTime() - tempSeen) / 1_000_000);

        String lastId;
        Reader reader = new Reader(target);
        Thread readerThread = new Thread(reader, "snapshot-reader");
        readerThread.start();
        int killedWithTempFileOnDisk = 0;
        int completed = 0;
        Random random = new Random();
        try {
            for (int i = 0; i < KILLS; i++) {
                Process exporter = ChildJvm.exporter(args);
                exporter.getOutputStream().close();
                long killAfter;
                if (i % 2 == 0) {
                    // Anywhere in the run: start-up, locking, cleaning, copying, publishing.
                    killAfter = random.nextInt((int) (fullRunMillis * 12 / 10));
                } else {
                    // Inside the write phase: copy, checkpoint, fsync, verification, rename.
                    awaitTempFile(pub, exporter);
                    killAfter = random.nextInt((int) writeMillis);
                }
                if (exporter.waitFor(killAfter, TimeUnit.MILLISECONDS)) {
                    completed++;
                    assertEquals(0, exporter.exitValue(), "a run that was not killed succeeds");
                    continue;
                }
                exporter.destroyForcibly(); // SIGKILL
                assertTrue(exporter.waitFor(30, TimeUnit.SECONDS));
                if (SnapshotAssertions.entries(pub).stream().anyMatch(n -> n.contains(".tmp-"))) {
                    killedWithTempFileOnDisk++;
                }
            }
            ChildJvm.Result last = ChildJvm.runExporter(60, concat(args, "--json"));
            assertEquals(0, last.exitCode(), "the run after the kills succeeds");
            lastId = new ObjectMapper().readTree(last.stdout()).get("publish_id").asText();
            reader.awaitQueriesAfter(reader.queries.get() + 5);
        } finally {
            reader.stop.set(true);
            readerThread.join(30_000);
        }

        assertEquals(List.of(), reader.failures, "every reader query succeeded on a complete snapshot");
        assertTrue(reader.queries.get() > 50, "the reader ran throughout: " + reader.queries.get() + " queries");
        assertTrue(killedWithTempFileOnDisk > 0, "some kills landed while the snapshot was being written");
        assertTrue(reader.publishIds.size() >= 2, "the reader saw new snapshots arrive: " + reader.publishIds);
        assertEquals(List.of(".analytics.duckdb.history", "analytics.duckdb", "analytics.duckdb.lock"),
                SnapshotAssertions.entries(pub), "the last run removed every leftover (" + killedWithTempFileOnDisk
                        + " kills mid-write, " + completed + " runs finished before their kill)");
        // Whatever the kills left in the history, the last run put it right: the default keeps two generations,
        // the current one (the last publish, the target's inode) and the one current before it, with its mark.
        List<String> history = SnapshotAssertions.entries(pub.resolve(".analytics.duckdb.history"));
        assertEquals(3, history.size(), history.toString());
        assertTrue(history.contains(lastId + ".duckdb") && history.stream().filter(n -> n.endsWith(".duckdb")).count()
                == 2 && history.stream().filter(n -> n.endsWith(".retired")).count() == 1
                && !history.contains(lastId + ".retired"), history.toString());
        assertEquals(Files.readAttributes(target, BasicFileAttributes.class).fileKey(), Files.readAttributes(
                pub.resolve(".analytics.duckdb.history/" + lastId + ".duckdb"), BasicFileAttributes.class).fileKey());
    }

    private static String[] concat(List<String> args, String... more) {
        List<String> all = new ArrayList<>(args);
        all.addAll(List.of(more));
        return all.toArray(String[]::new);
    }

    /** Polls until the exporter's temporary file appears (or the exporter ends); returns System.nanoTime() then. */
    private static long awaitTempFile(Path dir, Process exporter) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (exporter.isAlive() && System.nanoTime() < deadline) {
            try (var names = Files.list(dir)) {
                if (names.anyMatch(p -> p.getFileName().toString().contains(".tmp-"))) {
                    return System.nanoTime();
                }
            }
            Thread.sleep(1);
        }
        return System.nanoTime();
    }

    /** Queries the target through the serving driver without pause, recording any failure. */
    private static final class Reader implements Runnable {
        final Path target;
        final AtomicBoolean stop = new AtomicBoolean();
        final AtomicLong queries = new AtomicLong();
        final List<String> failures = new ArrayList<>();
        final Set<String> publishIds = ConcurrentHashMap.newKeySet();

        Reader(Path target) {
            this.target = target;
        }

        @Override
        public void run() {
            try (Connection c = DriverManager.getConnection("jdbc:duckdb-serving:" + target);
                    Statement st = c.createStatement()) {
                while (!stop.get()) {
                    check(st);
                }
            } catch (SQLException e) {
                synchronized (failures) {
                    failures.add("connection failed: " + e);
                }
            }
        }

        private void check(Statement st) {
            try (ResultSet rs = st.executeQuery(SNAPSHOT_CHECK)) {
                if (!rs.next()) {
                    fail("serving_meta.publish is empty");
                    return;
                }
                String id = rs.getString(1);
                long total = rs.getLong(2);
                long listed = rs.getLong(3);
                long actual = rs.getLong(4);
                if (total != listed || total != actual || rs.next()) {
                    fail("incomplete snapshot " + id + ": total_rows " + total + ", tables list " + listed
                            + ", rows present " + actual);
                }
                publishIds.add(id);
            } catch (SQLException e) {
                fail("query failed: " + e.getMessage());
            }
            queries.incrementAndGet();
        }

        private void fail(String message) {
            synchronized (failures) {
                if (failures.size() < 20) {
                    failures.add(message);
                }
            }
        }

        void awaitQueriesAfter(long count) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (queries.get() < count && System.nanoTime() < deadline && !stop.get()) {
                Thread.sleep(10);
            }
        }
    }
}
