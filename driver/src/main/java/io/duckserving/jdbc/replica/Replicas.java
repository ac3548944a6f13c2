package io.duckserving.jdbc.replica;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ScheduledFuture;
import java.util.logging.Level;
import java.util.logging.Logger;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;

/**
 * The replicas of this JVM: one per served file (so per source and replica directory), shared by
 * every connection that reads it, closed 10 seconds after the last one let go. Only code reached
 * from an {@code s3://} URL loads this class, and it checks that the AWS SDK and Jackson are on the
 * class path before anything touches them.
 */
public final class Replicas {
    private static final Logger LOG = Logger.getLogger(Replica.LOGGER_NAME);
    private static final String CANNOT_CONNECT = "08001";
    private static final String INVALID_PARAMETER = "22023";
    private static final long IDLE_CLOSE_MILLIS = 10_000;
    /** Classes an {@code s3://} URL needs beyond the plain driver jar and DuckDB's, with their artifacts. */
    private static final String[][] REQUIRED = {
        {"software.amazon.awssdk.services.s3.S3Client", "software.amazon.awssdk:s3"},
        {"software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient", "software.amazon.awssdk:url-connection-client"},
        {"com.fasterxml.jackson.databind.ObjectMapper", "com.fasterxml.jackson.core:jackson-databind"},
    };
    private static final Map<Path, Entry> REPLICAS = new HashMap<>();

    private Replicas() {
    }

    private static final class Entry {
        final Replica replica;
        int users;
        ScheduledFuture<?> idleClose;
        ObjectName mbean;

        Entry(Replica replica) {
            this.replica = replica;
        }
    }

    /**
     * The replica of {@code location} under {@code replicaDirectory}, with one more user: made (and
     * its first generation downloaded, if none is there) if this JVM has none. Pair with {@link #release}.
     */
    public static Replica acquire(S3Location location, S3Options options, Path replicaDirectory, long pollIntervalMillis,
            long handoffMillis) throws SQLException {
        checkClassPath(location);
        Path served = location.servedPath(replicaDirectory);
        Replica replica;
        synchronized (Replicas.class) {
            Entry e = REPLICAS.get(served);
            if (e != null && !e.replica.options.equals(options)) {
                throw new SQLException("This JVM already replicates " + location + " into " + served + " with other S3 "
                        + "options (" + e.replica.options + " vs " + options + "): use the same serving_s3_* options, "
                        + "or another serving_replica_dir", INVALID_PARAMETER);
            }
            if (e == null) {
                try {
                    e = new Entry(new Replica(location, options, replicaDirectory, new S3ObjectStore(options),
                            pollIntervalMillis, handoffMillis));
                } catch (IOException | RuntimeException ex) {
                    throw new SQLNonTransientConnectionException("Cannot replicate " + location + " into " + served
                            + ": " + ex.getMessage() + ". Check serving_replica_dir and the serving_s3_* options.",
                            CANNOT_CONNECT, ex);
                }
                e.mbean = register(e.replica);
                REPLICAS.put(served, e);
            }
            e.users++;
            if (e.idleClose != null) {
                e.idleClose.cancel(false);
                e.idleClose = null;
            }
            replica = e.replica;
        }
        try {
            replica.installFirst();
        } catch (IOException ex) {
            release(replica);
            throw new SQLNonTransientConnectionException("Cannot connect to " + location + " (bucket "
                    + location.bucket() + ", key " + location.key() + "): there is no local replica in "
                    + served.getParent() + " yet and the first download failed: " + ex.getMessage()
                    + ". Check that the bucket exists, that the exporter has published there (" + location.manifestKey()
                    + "), the endpoint (serving_s3_endpoint), region and credentials.", CANNOT_CONNECT, ex);
        }
        replica.startPolling(pollIntervalMillis, handoffMillis);
        return replica;
    }

    /** One user fewer; the replica closes when nobody used it for 10 seconds. */
    public static void release(Replica replica) {
        synchronized (Replicas.class) {
            Entry e = REPLICAS.get(replica.servedPath());
            if (e == null || e.replica != replica) {
                return;
            }
            if (--e.users == 0) {
                Entry idle = e;
                e.idleClose = replica.schedule(() -> closeIfIdle(idle), IDLE_CLOSE_MILLIS);
            }
        }
    }

    private static void closeIfIdle(Entry e) {
        synchronized (Replicas.class) {
            if (e.users > 0 || REPLICAS.get(e.replica.servedPath()) != e) {
                return;
            }
            REPLICAS.remove(e.replica.servedPath());
            unregister(e.mbean);
        }
        // Not on the poll thread's own future: close() waits for that thread to end.
        Thread closer = new Thread(e.replica::close, "duckdb-serving-replica-close");
        closer.setDaemon(true);
        closer.start();
    }

    /**
     * Closes at once every replica no connection uses (instead of 10 seconds later), as a JVM
     * that exits would: for tests of what the next JVM finds, and for applications' shutdown hooks.
     */
    public static void closeUnused() {
        java.util.List<Entry> unused = new java.util.ArrayList<>();
        synchronized (Replicas.class) {
            for (Entry e : REPLICAS.values()) {
                if (e.users == 0) {
                    unused.add(e);
                }
            }
            for (Entry e : unused) {
                REPLICAS.remove(e.replica.servedPath());
                unregister(e.mbean);
                if (e.idleClose != null) {
                    e.idleClose.cancel(false);
                }
            }
        }
        unused.forEach(e -> e.replica.close());
    }

    /** The replica of {@code served} in this JVM, or null: for tests and health checks. */
    public static Replica of(Path served) {
        synchronized (Replicas.class) {
            Entry e = REPLICAS.get(served);
            return e == null ? null : e.replica;
        }
    }

    /** The MBean name of a replica: {@code io.duckserving:type=Replica,source="s3://...",directory="..."}. */
    public static ObjectName nameOf(S3Location location, Path replicaDirectory) throws JMException {
        return new ObjectName("io.duckserving:type=Replica,source=" + ObjectName.quote(location.toString())
                + ",directory=" + ObjectName.quote(replicaDirectory.toString()));
    }

    private static ObjectName register(Replica r) {
        try {
            MBeanServer server = ManagementFactory.getPlatformMBeanServer();
            ObjectName n = nameOf(r.location, r.replicaDirectory);
            if (server.isRegistered(n)) {
                server.unregisterMBean(n);
            }
            server.registerMBean(r, n);
            return n;
        } catch (JMException | RuntimeException e) {
            LOG.log(Level.FINE, "cannot register the metrics of " + r, e);
            return null;
        }
    }

    private static void unregister(ObjectName n) {
        if (n == null) {
            return;
        }
        try {
            ManagementFactory.getPlatformMBeanServer().unregisterMBean(n);
        } catch (JMException | RuntimeException e) {
            LOG.log(Level.FINE, "cannot unregister " + n, e);
        }
    }

    /** A clear 08001 instead of a NoClassDefFoundError when the plain jar meets an {@code s3://} URL. */
    static void checkClassPath(S3Location location) throws SQLException {
        for (String[] required : REQUIRED) {
            try {
                Class.forName(required[0], false, Replicas.class.getClassLoader());
            } catch (ClassNotFoundException | LinkageError e) {
                throw new SQLNonTransientConnectionException("Cannot read " + location + ": s3:// URLs need the AWS SDK "
                        + "and Jackson, and " + required[0] + " is not on the class path. Use the driver's -all jar, or "
                        + "add software.amazon.awssdk:s3, software.amazon.awssdk:url-connection-client and "
                        + "com.fasterxml.jackson.core:jackson-databind (missing: " + required[1] + ").",
                        CANNOT_CONNECT, e);
            }
        }
    }
}
