package io.duckserving.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import javax.management.ObjectName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The per-statement check, on whatever JVM runs it: on Java 22+ with native access (the build
 * runs this class a second time on the Java 25 JDK when one is installed) statements look at an
 * inotify queue instead of stat-ing the path; elsewhere they stat. Either way a statement that
 * starts after {@code rename()} returned reads the new file, also when a directory above the
 * file is swapped, and a path through a symbolic link always stats.
 */
class InotifyCheckIT {
    private static final int RENAMES = 60;

    @TempDir
    Path dir;

    /** The build says which check its JVM must use: {@code inotify} on the Java 25 run, {@code stat} on Java 17. */
    private static String expectedCheck() {
        return System.getProperty("serving.expected.check", "stat");
    }

    private static String checkMethod(Path target) throws Exception {
        Set<ObjectName> names = ManagementFactory.getPlatformMBeanServer().queryNames(new ObjectName(
                "io.duckserving:type=SnapshotRegistry,path=" + ObjectName.quote(target.toString()) + ",*"), null);
        assertEquals(1, names.size(), names.toString());
        return (String) ManagementFactory.getPlatformMBeanServer().getAttribute(names.iterator().next(), "CheckMethod");
    }

    @Test
    void everyStatementAfterARenameReadsTheNewFileWhicheverCheckRuns() throws Exception {
        Path target = dir.resolve("analytics.duckdb");
        SnapshotFiles.publish(target, 1);
        List<Path> ready = new ArrayList<>();
        for (int v = 2; v <= RENAMES + 1; v++) {
            Path file = dir.resolve("ready-" + v + ".duckdb");
            SnapshotFiles.write(file, v, SnapshotFiles.DEFAULT_ROWS);
            ready.add(file);
        }
        try (Connection c = DriverManager.getConnection(SnapshotFiles.url(target))) {
            assertEquals(1, SnapshotFiles.readVersion(c));
            assertEquals(expectedCheck(), checkMethod(target),
                    "Java " + Runtime.version() + " " + ManagementFactory.getRuntimeMXBean().getInputArguments());
            for (int i = 0; i < 20; i++) {
                assertEquals(1, SnapshotFiles.readVersion(c), "statements with nothing renamed");
            }
            for (int v = 2; v <= RENAMES + 1; v++) {
                Files.move(ready.get(v - 2), target, StandardCopyOption.ATOMIC_MOVE);
                assertEquals(v, SnapshotFiles.readVersion(c), "the statement right after rename " + v);
                assertEquals(v, SnapshotFiles.readVersion(c));
            }
        }
    }

    @Test
    void aDirectoryAboveTheFileSwappedForAnotherIsSeenByTheNextStatement() throws Exception {
        Path live = Files.createDirectories(dir.resolve("serving"));
        Path target = live.resolve("analytics.duckdb");
        SnapshotFiles.publish(target, 1);
        Path next = Files.createDirectories(dir.resolve("serving-next"));
        SnapshotFiles.publish(next.resolve("analytics.duckdb"), 2);
        try (Connection c = DriverManager.getConnection(SnapshotFiles.url(target))) {
            assertEquals(1, SnapshotFiles.readVersion(c));
            Files.move(live, dir.resolve("serving-old"), StandardCopyOption.ATOMIC_MOVE);
            Files.move(next, live, StandardCopyOption.ATOMIC_MOVE);
            assertEquals(2, SnapshotFiles.readVersion(c), "the file under the swapped directory");
            assertEquals("stat", checkMethod(target), "the lost watch turned the inotify check off for good");
        }
    }

    @Test
    void aPathThroughASymbolicLinkAlwaysStats() throws Exception {
        Path releases = Files.createDirectories(dir.resolve("releases/1"));
        SnapshotFiles.publish(releases.resolve("analytics.duckdb"), 1);
        Path current = Files.createSymbolicLink(dir.resolve("current"), dir.resolve("releases/1"));
        Path target = current.resolve("analytics.duckdb");
        try (Connection c = DriverManager.getConnection(SnapshotFiles.url(target))) {
            assertEquals(1, SnapshotFiles.readVersion(c));
            assertEquals("stat", checkMethod(target));
        }
    }
}
