package io.duckserving.jdbc.snapshot;

import java.lang.management.ManagementFactory;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.logging.Level;
import java.util.logging.Logger;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;

/**
 * The counters of one registry and its MBean. Counting is what the hot path pays for: one
 * {@link LongAdder} increment per statement; everything else is computed when asked.
 */
final class RegistryMetrics implements SnapshotRegistryMXBean {
    private static final Logger LOG = Logger.getLogger(Engine.LOGGER_NAME);
    static final String DOMAIN = "io.duckserving";

    private final SnapshotRegistry registry;
    final LongAdder statements = new LongAdder();
    final AtomicLong swaps = new AtomicLong();
    final AtomicLong failedOpens = new AtomicLong();
    /** When the current snapshot became current (wall clock, for its age when it carries no publish time). */
    volatile long currentSinceMillis = -1;
    volatile long lastOpenNanos = -1;
    volatile long lastWarmUpNanos = -1;
    private ObjectName name;

    RegistryMetrics(SnapshotRegistry registry) {
        this.registry = registry;
    }

    /** The MBean's name: one per path and DuckDB options. */
    static ObjectName nameOf(SnapshotKey key) throws JMException {
        return new ObjectName(DOMAIN + ":type=SnapshotRegistry,path=" + ObjectName.quote(key.path().toString())
                + ",options=" + ObjectName.quote(key.options().toString()));
    }

    void register(SnapshotKey key) {
        try {
            MBeanServer server = ManagementFactory.getPlatformMBeanServer();
            ObjectName n = nameOf(key);
            if (server.isRegistered(n)) {
                server.unregisterMBean(n); // a registry of the same key closing right now
            }
            server.registerMBean(this, n);
            name = n;
        } catch (JMException | RuntimeException e) {
            LOG.log(Level.FINE, "cannot register the metrics of " + key.path(), e);
        }
    }

    void unregister() {
        ObjectName n = name;
        if (n == null) {
            return;
        }
        try {
            ManagementFactory.getPlatformMBeanServer().unregisterMBean(n);
        } catch (JMException | RuntimeException e) {
            LOG.log(Level.FINE, "cannot unregister " + n, e);
        }
    }

    @Override
    public String getPath() {
        return registry.path().toString();
    }

    @Override
    public String getOptions() {
        return registry.key().options().toString();
    }

    @Override
    public String getCurrentFileKey() {
        Snapshot s = registry.peek();
        return s == null || s.fileKey == null ? null : s.fileKey.toString();
    }

    @Override
    public String getCurrentPublishId() {
        Publication p = publication();
        return p == null ? null : p.publishId();
    }

    @Override
    public String getPublishedAt() {
        Publication p = publication();
        return p == null || p.publishedAt() == null ? null : p.publishedAt().toString();
    }

    private Publication publication() {
        Snapshot s = registry.peek();
        return s == null ? null : s.publication;
    }

    @Override
    public long getSnapshotAgeMillis() {
        Publication p = publication();
        if (p != null && p.publishedAt() != null) {
            return Math.max(0, System.currentTimeMillis() - p.publishedAt().toEpochMilli());
        }
        long since = currentSinceMillis;
        return since < 0 ? -1 : System.currentTimeMillis() - since;
    }

    @Override
    public boolean isServingNewestFile() {
        return registry.isServingNewestFile();
    }

    @Override
    public long getSwaps() {
        return swaps.get();
    }

    @Override
    public long getFailedOpens() {
        return failedOpens.get();
    }

    @Override
    public String getLastFailure() {
        OpenFailure f = registry.failure();
        return f == null ? null : f.message;
    }

    @Override
    public long getFailingForMillis() {
        OpenFailure f = registry.failure();
        return f == null ? -1 : TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - f.firstFailureNanos);
    }

    @Override
    public int getOpenSnapshots() {
        return registry.openSnapshots();
    }

    @Override
    public int getConnections() {
        return registry.connections();
    }

    @Override
    public long getStatementsExecuted() {
        return statements.sum();
    }

    @Override
    public long getLastOpenMillis() {
        long n = lastOpenNanos;
        return n < 0 ? -1 : TimeUnit.NANOSECONDS.toMillis(n);
    }

    @Override
    public long getLastWarmUpMillis() {
        long n = lastWarmUpNanos;
        return n < 0 ? -1 : TimeUnit.NANOSECONDS.toMillis(n);
    }

    @Override
    public String getCheckMethod() {
        return registry.checkMethod();
    }

    /** For {@link ServingStatus}: when the current snapshot was published, or null. */
    Instant publishedAt() {
        Publication p = publication();
        return p == null ? null : p.publishedAt();
    }
}
