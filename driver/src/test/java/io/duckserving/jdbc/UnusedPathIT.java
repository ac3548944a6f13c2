package io.duckserving.jdbc;

import io.duckserving.jdbc.snapshot.EngineTestAccess;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.Set;
import javax.management.ObjectName;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A path nobody reads any more: after the idle delay its snapshot closes (no file held open) and
 * its registry and watcher go away, so a long-lived JVM does not collect them; the path works
 * again at the next connect.
 */
class UnusedPathIT {
    private static Set<ObjectName> metricsBeans(Path path) throws Exception {
        return ManagementFactory.getPlatformMBeanServer().queryNames(new ObjectName(
                "io.duckserving:type=SnapshotRegistry,path=" + ObjectName.quote(path.toString()) + ",*"), null);
    }

    @TempDir
    Path dir;

    @Test
    void anUnusedPathLetsGoOfItsFileAndItsRegistryAndWorksAgainLater() throws Exception {
        Path target = dir.resolve("analytics.duckdb");
        SnapshotFiles.publish(target, 1);
        Path known = target.toRealPath();
        try (Connection c = DriverManager.getConnection(SnapshotFiles.url(target))) {
            assertEquals(1, SnapshotFiles.readVersion(c));
            assertTrue(EngineTestAccess.isKnown(known));
            assertFalse(SnapshotFiles.openFiles(dir).isEmpty(), "the snapshot's file is open while in use");
            assertEquals(1, metricsBeans(known).size(), "its MBean is registered while it is used");
        }
        Poll.until(Duration.ofSeconds(20), "the unused path's snapshot closes and its registry goes away",
                () -> !EngineTestAccess.isKnown(known) && SnapshotFiles.openFiles(dir).isEmpty());
        assertEquals(Set.of(), metricsBeans(known), "and its MBean with it");

        SnapshotFiles.publish(target, 2);
        try (Connection c = DriverManager.getConnection(SnapshotFiles.url(target))) {
            assertEquals(2, SnapshotFiles.readVersion(c), "the path is looked up afresh");
        }
    }
}
