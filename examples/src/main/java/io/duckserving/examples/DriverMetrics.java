package io.duckserving.examples;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;

/**
 * Reads the driver's metrics the way an operator's tool does (JConsole, a Prometheus JMX
 * exporter): by name from the platform MBean server, without the driver's classes. The driver
 * registers one {@code io.duckserving:type=SnapshotRegistry,path="...",options="..."} per
 * followed path and DuckDB options.
 */
public final class DriverMetrics {

    /** The pattern an operator's tool queries. */
    public static final String QUERY = "io.duckserving:type=SnapshotRegistry,*";

    /** The attributes read, in the order printed. */
    public static final List<String> ATTRIBUTES = List.of("CurrentPublishId", "PublishedAt", "SnapshotAgeMillis",
            "ServingNewestFile", "Swaps", "FailedOpens", "LastFailure", "FailingForMillis", "OpenSnapshots",
            "Connections", "StatementsExecuted", "LastOpenMillis", "LastWarmUpMillis");

    /** One MBean's name and attribute values. */
    public record Reading(String objectName, Map<String, Object> attributes) {

        public long swaps() {
            return attributes.get("Swaps") instanceof Number n ? n.longValue() : -1;
        }
    }

    private DriverMetrics() {
    }

    /** The readings of every registry of {@code path} (one per DuckDB options in use); empty if none is registered. */
    public static List<Reading> read(Path path) throws JMException {
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        List<Reading> readings = new ArrayList<>();
        for (ObjectName name : server.queryNames(new ObjectName(QUERY), null)) {
            String quoted = name.getKeyProperty("path");
            if (quoted == null || !ObjectName.unquote(quoted).equals(path.toString())) {
                continue; // another path followed in this JVM
            }
            Map<String, Object> values = new LinkedHashMap<>();
            for (String attribute : ATTRIBUTES) {
                values.put(attribute, server.getAttribute(name, attribute));
            }
            readings.add(new Reading(name.toString(), Collections.unmodifiableMap(values)));
        }
        return List.copyOf(readings);
    }
}
