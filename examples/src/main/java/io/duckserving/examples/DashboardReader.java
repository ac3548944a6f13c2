package io.duckserving.examples;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.LocalDate;
import java.util.Objects;
import javax.sql.DataSource;

/**
 * One dashboard user: refreshes a coffee-market dashboard over and over until stopped.
 *
 * <p>Two styles, as real applications do it: a <em>kept</em> connection from
 * {@code DriverManager} that reuses one prepared statement across swaps (a desktop tool), or
 * a connection borrowed from a pool for each refresh, which runs in a transaction so every
 * panel shows the same snapshot (a web request).
 */
final class DashboardReader implements Runnable {

    /**
     * Which snapshot the refresh's first statement saw, whether its data hangs together, and the
     * arabica front-month settlement of its last day from the model and from the curve (they
     * must agree; a bad run's model does not).
     */
    static final String PROBE_SQL = """
            SELECT p.publish_id, epoch_ms(p.published_at), r.run_id, r.as_of,
                   (SELECT max(trade_date) FROM serving.front_month),
                   (SELECT max(trade_date) FROM serving.origin_daily),
                   (SELECT settle FROM serving.front_month WHERE market = 'KC' AND trade_date = r.as_of),
                   (SELECT settle FROM serving.futures_curve WHERE market = 'KC' AND nearby = 1)
            FROM serving_meta.publish p, serving.pipeline_run r""";
    static final String PRICE_CHART_SQL = """
            SELECT trade_date, settle FROM serving.front_month
            WHERE market = ? AND trade_date > ? ORDER BY trade_date""";
    static final String ORIGIN_TABLE_SQL = """
            SELECT origin, price_usc_lb, avg_price_30d, export_bags_30d, certified_stock_bags, trade_date
            FROM serving.origin_summary ORDER BY export_bags_30d DESC""";
    static final String CURVE_SQL = "SELECT market, nearby, settle FROM serving.futures_curve ORDER BY market, nearby";
    static final String PUBLISH_ID_SQL = "SELECT publish_id FROM serving_meta.publish";

    private final String name;
    private final String url;
    private final DataSource pool;
    private final PublishLog publishLog;
    private final DemoStats stats;
    private volatile boolean stopped;
    private volatile int swapsSeen;

    private DashboardReader(String name, String url, DataSource pool, PublishLog publishLog, DemoStats stats) {
        this.name = name;
        this.url = url;
        this.pool = pool;
        this.publishLog = publishLog;
        this.stats = stats;
    }

    /** A reader that keeps one {@code DriverManager} connection and one prepared statement. */
    static DashboardReader keptConnection(String name, String url, PublishLog log, DemoStats stats) {
        return new DashboardReader(name, Objects.requireNonNull(url), null, log, stats);
    }

    /** A reader that borrows a pooled connection per refresh and refreshes in a transaction. */
    static DashboardReader pooled(String name, DataSource pool, PublishLog log, DemoStats stats) {
        return new DashboardReader(name, null, Objects.requireNonNull(pool), log, stats);
    }

    String name() {
        return name;
    }

    /** How many times this reader saw the snapshot change. */
    int swapsSeen() {
        return swapsSeen;
    }

    void stop() {
        stopped = true;
    }

    @Override
    public void run() {
        if (pool != null) {
            runPooled();
        } else {
            runKept();
        }
    }

    private void runKept() {
        String lastPublishId = null;
        while (!stopped) {
            try (Connection connection = java.sql.DriverManager.getConnection(url);
                    PreparedStatement chart = connection.prepareStatement(PRICE_CHART_SQL)) {
                while (!stopped) {
                    lastPublishId = refresh(connection, chart, lastPublishId, false);
                }
            } catch (SQLException | RuntimeException e) {
                // A broken connection is an error of the demo's contract; reconnect and go on.
                stats.readerError(name, e);
            }
        }
    }

    private void runPooled() {
        String lastPublishId = null;
        while (!stopped) {
            try (Connection connection = pool.getConnection()) {
                connection.setAutoCommit(false);
                // The transaction's snapshot is the one current at its first statement: the probe.
                lastPublishId = refresh(connection, null, lastPublishId, true);
                connection.commit();
            } catch (SQLException | RuntimeException e) {
                stats.readerError(name, e);
            }
        }
    }

    /**
     * One dashboard refresh: the probe first, then the panels. {@code keptChart} is the reader's
     * long-lived prepared statement, or null to prepare one for this refresh. Returns the
     * publish id seen.
     */
    private String refresh(Connection connection, PreparedStatement keptChart, String lastPublishId,
            boolean oneSnapshot) throws SQLException {
        long start = System.nanoTime();
        DemoStats.SeenSnapshot seen;
        LocalDate asOf;
        try (Statement st = connection.createStatement(); ResultSet rs = st.executeQuery(PROBE_SQL)) {
            if (!rs.next()) {
                stats.readerError(name, "serving_meta.publish or serving.pipeline_run is empty");
                return lastPublishId;
            }
            seen = new DemoStats.SeenSnapshot(rs.getInt(3), rs.getString(1), rs.getLong(2),
                    rs.getBigDecimal(7), rs.getBigDecimal(8));
            asOf = rs.getObject(4, LocalDate.class);
            LocalDate frontDay = rs.getObject(5, LocalDate.class);
            LocalDate originDay = rs.getObject(6, LocalDate.class);
            if (!asOf.equals(frontDay) || !asOf.equals(originDay)) {
                stats.readerError(name, "mixed snapshot: run " + seen.runId() + " is as of " + asOf
                        + " but front_month ends " + frontDay + " and origin_daily " + originDay);
            }
        }
        stats.queries.increment();
        stats.checked(name, publishLog.check(name, seen, start, System.nanoTime()));
        if (seen.bad()) {
            // Not an error of the reader: it shows what was published, and notices that it is wrong.
            stats.badRefreshes.increment();
        }
        if (lastPublishId != null && !lastPublishId.equals(seen.publishId())) {
            swapsSeen++;
        }

        PreparedStatement chart = keptChart != null ? keptChart : connection.prepareStatement(PRICE_CHART_SQL);
        int points;
        try {
            chart.setString(1, "KC");
            chart.setObject(2, asOf.minusDays(90));
            points = count(chart.executeQuery());
        } finally {
            if (keptChart == null) {
                chart.close();
            }
        }
        stats.queries.increment();
        if (points == 0) {
            stats.readerError(name, "price chart is empty for the 90 days before " + asOf);
        }

        try (Statement st = connection.createStatement(); ResultSet rs = st.executeQuery(ORIGIN_TABLE_SQL)) {
            int origins = 0;
            while (rs.next()) {
                origins++;
                if (oneSnapshot && !asOf.equals(rs.getObject(6, LocalDate.class))) {
                    stats.readerError(name, "origin table is as of " + rs.getObject(6) + " inside a transaction that"
                            + " started on run " + seen.runId() + " as of " + asOf);
                }
            }
            stats.queries.increment();
            if (origins == 0) {
                stats.readerError(name, "serving.origin_summary is empty");
            }
        }

        try (Statement st = connection.createStatement()) {
            count(st.executeQuery(CURVE_SQL));
            stats.queries.increment();
            if (oneSnapshot) {
                try (ResultSet rs = st.executeQuery(PUBLISH_ID_SQL)) {
                    rs.next();
                    String end = rs.getString(1);
                    stats.queries.increment();
                    if (!seen.publishId().equals(end)) {
                        stats.readerError(name, "transaction began on snapshot " + seen.publishId()
                                + " and ended on " + end);
                    }
                }
            }
        }
        return seen.publishId();
    }

    private static int count(ResultSet rs) throws SQLException {
        try (rs) {
            int rows = 0;
            while (rs.next()) {
                rows++;
            }
            return rows;
        }
    }
}
