package io.duckserving.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.sql.Connection;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;

/**
 * What an operator sees from outside the application, across real swaps and a bad publish: the
 * per-path MBean read through the platform MBean server, the flight-recorder events, and the
 * health answer.
 */
class OperationsMetricsTest extends PublishedSnapshotTest {
    private final MBeanServer server = ManagementFactory.getPlatformMBeanServer();

    /** A complete snapshot of {@code version} carrying the exporter's metadata with {@code publishId}. */
    private void publishWithId(int version, String publishId) throws Exception {
        Path temp = SnapshotFiles.tempBeside(target);
        SnapshotFiles.write(temp, version, SnapshotFiles.DEFAULT_ROWS);
        DuckDbFiles.addServingMeta(temp, publishId, SnapshotFiles.DEFAULT_ROWS,
                "('main', 't', " + SnapshotFiles.DEFAULT_ROWS + ")");
        SnapshotFiles.moveOver(temp, target);
    }

    private ObjectName mbean() throws Exception {
        Set<ObjectName> names = server.queryNames(new ObjectName(
                "io.duckserving:type=SnapshotRegistry,path=" + ObjectName.quote(target.toString()) + ",*"), null);
        assertEquals(1, names.size(), "one MBean for the path and its options: " + names);
        return names.iterator().next();
    }

    private Object attribute(String name) throws Exception {
        return server.getAttribute(mbean(), name);
    }

    @Test
    void theMBeanShowsSwapsPublishIdsStatementsAndABadPublish() throws Exception {
        try (Connection c = connect()) {
            assertEquals(1, SnapshotFiles.readVersion(c));
            assertEquals(target.toString(), attribute("Path"));
            assertEquals(0L, attribute("Swaps"));
            assertEquals(1, attribute("Connections"));
            assertEquals(true, attribute("ServingNewestFile"));
            assertNull(attribute("CurrentPublishId"), "a file without serving_meta has no publish id");

            publishWithId(2, "20261201T160000Z-abc123");
            assertEquals(2, SnapshotFiles.readVersion(c));
            assertEquals(1L, attribute("Swaps"));
            assertEquals("20261201T160000Z-abc123", attribute("CurrentPublishId"));
            assertTrue(attribute("PublishedAt") != null);
            long age = (Long) attribute("SnapshotAgeMillis");
            assertTrue(age >= 0 && age < 60_000, "published a moment ago: " + age);
            assertEquals(Files.readAttributes(target, BasicFileAttributes.class).fileKey().toString(),
                    attribute("CurrentFileKey"));
            assertTrue((Long) attribute("LastOpenMillis") >= 0);
            assertTrue((Integer) attribute("OpenSnapshots") >= 1);

            long statements = (Long) attribute("StatementsExecuted");
            for (int i = 0; i < 3; i++) {
                SnapshotFiles.readVersion(c);
            }
            assertEquals(statements + 3, attribute("StatementsExecuted"));

            assertEquals(-1L, attribute("FailingForMillis"));
            SnapshotFiles.publishJunk(target);
            assertEquals(2, SnapshotFiles.readVersion(c), "readers keep the last good snapshot");
            assertTrue((Long) attribute("FailedOpens") >= 1);
            assertTrue(String.valueOf(attribute("LastFailure")).contains("not a DuckDB database"),
                    String.valueOf(attribute("LastFailure")));
            assertEquals(false, attribute("ServingNewestFile"));
            assertTrue((Long) attribute("FailingForMillis") >= 0);

            ServingHealth health = ServingHealth.of(SnapshotFiles.url(target));
            assertTrue(health.isServing());
            assertFalse(health.isServingNewestFile());
            assertFalse(health.isHealthy(null));
            assertEquals("20261201T160000Z-abc123", health.publishId().orElseThrow());
            assertTrue(health.lastFailure().orElseThrow().contains("not a DuckDB database"));

            publishWithId(3, "20261201T160100Z-def456");
            assertEquals(3, SnapshotFiles.readVersion(c));
            ServingHealth recovered = ServingHealth.of(target.toString());
            assertTrue(recovered.isHealthy(Duration.ofMinutes(1)), recovered.toString());
            assertFalse(recovered.isHealthy(Duration.ZERO.minusMillis(1)), "older than a negative age");
            assertTrue(recovered.lastFailure().isEmpty());
        }
    }

    /** The README's Prometheus JMX-exporter rule, against the name and attributes the MBean really has. */
    @Test
    void theReadmesPrometheusRuleMatchesTheRealMBean() throws Exception {
        String readme = Files.readString(Path.of(System.getProperty("user.dir")).resolve("../README.md").normalize());
        java.util.regex.Matcher rule = java.util.regex.Pattern.compile("- pattern: '([^']+)'").matcher(readme);
        assertTrue(rule.find(), "the README shows a pattern");
        java.util.regex.Pattern pattern = java.util.regex.Pattern.compile(rule.group(1));
        try (Connection c = connect()) {
            SnapshotFiles.readVersion(c);
            ObjectName name = mbean();
            // How the JMX exporter writes a bean's attribute before matching its rules.
            String properties = String.join(", ", name.getKeyPropertyListString().split(",(?=[a-z]+=)"));
            String line = name.getDomain() + "<" + properties + "><>Swaps: " + attribute("Swaps");
            java.util.regex.Matcher m = pattern.matcher(line);
            assertTrue(m.matches(), line);
            assertEquals(target.toString(), m.group(1));
            assertEquals("Swaps", m.group(2));
        }
    }

    @Test
    void aPathNobodyFollowsIsNotHealthy() {
        ServingHealth health = ServingHealth.of(dir.resolve("never-opened.duckdb"));
        assertFalse(health.isServing());
        assertFalse(health.isHealthy(null));
        assertTrue(health.toString().contains("not followed"), health.toString());
    }

    @Test
    void theFlightRecorderRecordsSwapsWithTheirOpenAndWarmUpAndFailedOpensWithTheirCause() throws Exception {
        Path recordingFile = dir.resolve("swaps.jfr");
        try (Recording recording = new Recording()) {
            recording.enable("io.duckserving.SnapshotSwap");
            recording.enable("io.duckserving.FailedOpen");
            recording.start();
            try (Connection c = connect()) {
                assertEquals(1, SnapshotFiles.readVersion(c));
                publishWithId(2, "20261201T160000Z-abc123");
                assertEquals(2, SnapshotFiles.readVersion(c));
                SnapshotFiles.publishJunk(target);
                assertEquals(2, SnapshotFiles.readVersion(c));
            }
            recording.stop();
            recording.dump(recordingFile);
        }
        List<RecordedEvent> events = RecordingFile.readAllEvents(recordingFile).stream()
                .filter(e -> target.toString().equals(e.getString("path"))).collect(Collectors.toList());
        List<RecordedEvent> swaps = events.stream()
                .filter(e -> e.getEventType().getName().equals("io.duckserving.SnapshotSwap")).collect(Collectors.toList());
        assertEquals(1, swaps.size(), events.toString());
        RecordedEvent swap = swaps.get(0);
        assertEquals("20261201T160000Z-abc123", swap.getString("publishId"));
        assertTrue(swap.getDuration("openNanos").toNanos() > 0, swap.toString());
        assertTrue(!swap.getString("fromFileKey").equals(swap.getString("toFileKey")));
        List<RecordedEvent> failed = events.stream()
                .filter(e -> e.getEventType().getName().equals("io.duckserving.FailedOpen")).collect(Collectors.toList());
        assertFalse(failed.isEmpty(), events.toString());
        assertTrue(failed.get(0).getString("cause").contains("not a DuckDB database"), failed.get(0).toString());
    }
}
