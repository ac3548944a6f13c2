package io.duckserving.exporter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The target's file system refuses: a directory nobody may write to, a disk that fills up during
 * the copy. The CLI fails with one line naming the cause, and the published snapshot stays as it
 * was. Both are caused for real: {@code chattr +i} makes a directory unwritable even for root, and
 * a small tmpfs fills up (this needs root, as CI and the developers' machines run).
 */
class TargetFileSystemIT {
    @TempDir
    Path dir;

    @Test
    void unwritableTargetDirectoryFailsClearlyAndKeepsThePublishedSnapshot() throws Exception {
        Path lakehouse = dir.resolve("lakehouse.duckdb");
        Lakehouse.create(lakehouse, 1_000);
        Path out = Files.createDirectories(dir.resolve("out"));
        Path target = out.resolve("analytics.duckdb");
        assertEquals(0, export(lakehouse, target).exitCode());
        String published = publishId(target);

        run("chattr", "+i", out.toString());
        try {
            ChildJvm.Result r = export(lakehouse, target);
            assertNotEquals(0, r.exitCode(), r.stderr());
            assertOneLineNaming(r.stderr(), out.toString());
            assertEquals(published, publishId(target), "the published snapshot is untouched");
            assertEquals(List.of(".analytics.duckdb.history", "analytics.duckdb", "analytics.duckdb.lock"),
                    SnapshotAssertions.entries(out));
        } finally {
            run("chattr", "-i", out.toString());
        }
    }

    /** chmod 000 does not stop root: an immutable lock file refuses root too. */
    @Test
    void unwritableLockFileIsNamedWithWhatToDo() throws Exception {
        Path lakehouse = dir.resolve("lakehouse.duckdb");
        Lakehouse.create(lakehouse, 100);
        Path out = Files.createDirectories(dir.resolve("out"));
        Path target = out.resolve("analytics.duckdb");
        assertEquals(0, export(lakehouse, target).exitCode());
        String published = publishId(target);
        Path lockFile = out.resolve("analytics.duckdb.lock");

        run("chattr", "+i", lockFile.toString());
        try {
            ChildJvm.Result r = export(lakehouse, target);
            assertEquals(2, r.exitCode(), r.stderr());
            assertOneLineNaming(r.stderr(), "lock file " + lockFile);
            assertTrue(r.stderr().contains("chattr -i") && r.stderr().contains("chmod u+w"), r.stderr());
            assertEquals(published, publishId(target), "the published snapshot is untouched");
        } finally {
            run("chattr", "-i", lockFile.toString());
        }
        assertEquals(List.of(".analytics.duckdb.history", "analytics.duckdb", "analytics.duckdb.lock"),
                SnapshotAssertions.entries(out));
    }

    @Test
    void fullDiskFailsClearlyAndKeepsThePublishedSnapshot() throws Exception {
        Path small = Files.createDirectories(dir.resolve("small-disk"));
        run("mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", small.toString());
        try {
            Path target = small.resolve("analytics.duckdb");
            Path little = dir.resolve("little.duckdb");
            Lakehouse.create(little, 100);
            assertEquals(0, export(little, target).exitCode());
            String published = publishId(target);

            Path big = dir.resolve("big.duckdb");
            Lakehouse.create(big, 200_000);
            ChildJvm.Result r = export(big, target);
            assertEquals(1, r.exitCode(), r.stderr());
            assertOneLineNaming(r.stderr(), "space");
            assertEquals(published, publishId(target), "the published snapshot is untouched");
            SnapshotAssertions.assertNoTempFiles(small);
        } finally {
            run("umount", small.toString());
        }
    }

    private static ChildJvm.Result export(Path source, Path target) throws Exception {
        return ChildJvm.runExporter(120, "--source", source.toString(), "--target", target.toString(), "--quiet",
                "--handoff", "0");
    }

    private static void assertOneLineNaming(String stderr, String expected) {
        List<String> lines = stderr.strip().lines().toList();
        assertEquals(1, lines.size(), "one line on standard error:\n" + stderr);
        assertTrue(lines.get(0).startsWith("duckdb-serving-export: error: "), stderr);
        assertTrue(lines.get(0).contains(expected), "the error names " + expected + ": " + stderr);
    }

    private static String publishId(Path snapshot) throws SQLException {
        try (Connection c = Lakehouse.open(snapshot, true); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT publish_id FROM serving_meta.publish")) {
            assertTrue(rs.next());
            return rs.getString(1);
        }
    }

    private static void run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), String.join(" ", command) + " did not finish");
        assertEquals(0, p.exitValue(), String.join(" ", command) + " failed (it needs root): " + output);
    }
}
