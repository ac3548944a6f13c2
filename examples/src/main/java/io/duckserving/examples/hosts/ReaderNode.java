package io.duckserving.examples.hosts;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import javax.management.MBeanServer;
import javax.management.ObjectName;

/**
 * One reader node of the many-hosts demo, run as a JVM of its own (a "host"): it reads
 * {@code jdbc:duckdb-serving:s3://...} back to back on a few threads until its standard input
 * closes, and reports on standard output, one event per line:
 * <pre>
 *   ready &lt;epoch ms&gt;                 connected (the first download is done)
 *   serving &lt;publish id&gt; &lt;epoch ms&gt;  a reader thread's first query on another publish than its last
 *   error &lt;message&gt;                   a query failed (the demo expects none)
 *   torn &lt;details&gt;                    a query saw a snapshot that was not whole (never)
 *   summary queries=.. errors=.. torn=.. opens=.. downloads=.. bytes=.. last_download_ms=.. poll_failures=..
 * </pre>
 * Credentials, region and endpoint come from the environment, as on a real host.
 */
public final class ReaderNode {
    /**
     * One query that proves the snapshot whole: every order row carries its publish's batch, and
     * the row count the exporter recorded equals the rows the reader counts in the same snapshot.
     */
    static final String WHOLE_SNAPSHOT_QUERY = "SELECT p.publish_id, "
            + "(SELECT count(*) FROM serving.orders) AS rows_read, "
            + "(SELECT row_count FROM serving_meta.tables WHERE schema_name = 'serving' AND table_name = 'orders') AS rows_published, "
            + "(SELECT min(batch) = max(batch) FROM serving.orders) AS one_batch "
            + "FROM serving_meta.publish p";

    private ReaderNode() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 1 || args.length > 2) {
            System.err.println("usage: ReaderNode <jdbc:duckdb-serving:s3://... url> [threads]");
            System.exit(2);
        }
        String url = args[0];
        int threads = args.length == 2 ? Integer.parseInt(args[1]) : 2;
        LongAdder queries = new LongAdder();
        LongAdder errors = new LongAdder();
        LongAdder torn = new LongAdder();
        AtomicBoolean stop = new AtomicBoolean();
        Object out = new Object();
        try (Connection first = DriverManager.getConnection(url)) {
            first.isValid(1);
        }
        emit(out, "ready " + System.currentTimeMillis());
        Thread[] readers = new Thread[threads];
        for (int i = 0; i < threads; i++) {
            readers[i] = new Thread(() -> {
                String last = null;
                try (Connection c = DriverManager.getConnection(url); Statement st = c.createStatement()) {
                    while (!stop.get()) {
                        try (ResultSet rs = st.executeQuery(WHOLE_SNAPSHOT_QUERY)) {
                            rs.next();
                            String publishId = rs.getString(1);
                            long read = rs.getLong(2);
                            long published = rs.getLong(3);
                            boolean oneBatch = rs.getBoolean(4);
                            long now = System.currentTimeMillis();
                            queries.increment();
                            if (read != published || !oneBatch) {
                                torn.increment();
                                emit(out, "torn " + publishId + " read=" + read + " published=" + published
                                        + " one_batch=" + oneBatch);
                            }
                            if (!publishId.equals(last)) {
                                last = publishId;
                                emit(out, "serving " + publishId + " " + now);
                            }
                        } catch (SQLException e) {
                            errors.increment();
                            emit(out, "error " + e.getSQLState() + " " + e.getMessage().replace('\n', ' '));
                        }
                    }
                } catch (SQLException e) {
                    errors.increment();
                    emit(out, "error " + e.getSQLState() + " " + e.getMessage().replace('\n', ' '));
                }
            }, "reader-" + i);
            readers[i].start();
        }
        // The parent ends the node by closing its standard input.
        try (BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
            while (in.readLine() != null) {
                // nothing to read: only the end matters
            }
        }
        stop.set(true);
        for (Thread t : readers) {
            t.join();
        }
        emit(out, "summary queries=" + queries.sum() + " errors=" + errors.sum() + " torn=" + torn.sum()
                + " opens=" + io.duckserving.jdbc.ServingDriver.snapshotsOpened() + " " + replicaMetrics());
        System.exit(0);
    }

    /** The replica's counters, read by name from the platform MBean server as an operator's tool does. */
    private static String replicaMetrics() throws Exception {
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        StringBuilder s = new StringBuilder();
        for (ObjectName name : server.queryNames(new ObjectName("io.duckserving:type=Replica,*"), null)) {
            s.append("downloads=").append(server.getAttribute(name, "Downloads"))
                    .append(" bytes=").append(server.getAttribute(name, "BytesDownloaded"))
                    .append(" last_download_ms=").append(server.getAttribute(name, "LastDownloadMillis"))
                    .append(" poll_failures=").append(server.getAttribute(name, "PollFailures"));
        }
        return s.toString();
    }

    private static void emit(Object lock, String line) {
        synchronized (lock) {
            System.out.println(line);
            System.out.flush();
        }
    }
}
