package io.duckserving.examples;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.DayOfWeek;
import java.time.LocalDate;

/**
 * A generated coffee-market lakehouse laid out the way SQLMesh and dbt leave one: physical
 * tables in {@code raw} (landed data) and {@code staging} (rebuilt by each run), and a
 * {@code serving} schema made only of views over them, which is what gets published.
 *
 * <p>Futures settlements (ICE arabica "KC" in US cents/lb, robusta "RC" in USD/tonne), physical
 * prices, export volumes and certified stocks by origin and trading day; random walks, no
 * download. Every method takes a read-write {@code jdbc:duckdb:} connection, so the caller
 * decides how long DuckDB's write lock is held.
 */
public final class CoffeeLakehouse {

    /** The schema the exporter publishes. */
    public static final String SERVING_SCHEMA = "serving";

    private static final double CENTS_PER_LB_PER_USD_PER_TONNE = 100.0 / 2204.62;

    private CoffeeLakehouse() {
    }

    /** A finished pipeline run: its number and the trading day it loaded. */
    public record Run(int runId, LocalDate asOf) {
    }

    /**
     * The models a run builds. {@link #BROKEN_FRONT_MONTH} is a deliberate bug for the demo's
     * rollback: the front-month model multiplies every settlement by 100 (a cents-per-dollar
     * mix-up), so the price chart and the origin prices built on it are 100 times too high while
     * the futures curve, read straight from {@code raw}, stays right. The next correct run
     * rebuilds {@code staging} and repairs it; nothing landed in {@code raw} is wrong.
     */
    public enum Models {
        CORRECT(1),
        BROKEN_FRONT_MONTH(100);

        private final int settleFactor;

        Models(int settleFactor) {
            this.settleFactor = settleFactor;
        }
    }

    /** Opens the lakehouse read-write: DuckDB's write lock is held until the connection closes. */
    public static Connection openReadWrite(Path lakehouse) throws SQLException {
        try {
            // Loads DuckDB's native library here, so a failure shows its real cause instead
            // of DriverManager's "No suitable driver".
            Class.forName("org.duckdb.DuckDBDriver");
        } catch (ClassNotFoundException e) {
            throw new SQLException("org.duckdb:duckdb_jdbc is not on the class path", e);
        }
        // DuckDB's path-keyed instance cache would keep the database (and its lock) alive
        // beyond this connection; the pipeline must let go of the file when a run ends.
        return DriverManager.getConnection("jdbc:duckdb:" + lakehouse.toAbsolutePath()
                + ";jdbc_instance_cache=false");
    }

    /**
     * Creates {@code lakehouse} with {@code tradingDays} weekdays of history ending on
     * {@code lastDay} (or the weekday before it), builds staging, and records run 1.
     */
    public static Run create(Path lakehouse, int tradingDays, LocalDate lastDay) throws SQLException {
        if (Files.exists(lakehouse)) {
            throw new IllegalStateException("lakehouse " + lakehouse + " already exists: pass a new path or delete it");
        }
        LocalDate lastHistoryDay = nextWeekday(lastDay.minusDays(1)).isAfter(lastDay) ? previousWeekday(lastDay) : lastDay;
        LocalDate first = lastHistoryDay;
        for (int i = 1; i < tradingDays; i++) {
            first = previousWeekday(first);
        }
        try (Connection c = openReadWrite(lakehouse); Statement s = c.createStatement()) {
            c.setAutoCommit(false);
            s.execute("CREATE SCHEMA raw");
            s.execute("CREATE SCHEMA staging");
            s.execute("CREATE SCHEMA " + SERVING_SCHEMA);
            s.execute("""
                    CREATE TABLE raw.origins (
                        origin VARCHAR PRIMARY KEY, species VARCHAR NOT NULL, port VARCHAR NOT NULL,
                        daily_export_bags INTEGER NOT NULL, base_differential DECIMAL(8,2) NOT NULL)""");
            s.execute("""
                    INSERT INTO raw.origins VALUES
                        ('Brazil',    'arabica', 'Santos',          120000,  -8.00),
                        ('Vietnam',   'robusta', 'Ho Chi Minh City', 95000,   6.50),
                        ('Colombia',  'arabica', 'Cartagena',        40000,  38.00),
                        ('Indonesia', 'robusta', 'Lampung',          20000,   9.00),
                        ('Ethiopia',  'arabica', 'Djibouti',         18000,  55.00),
                        ('Honduras',  'arabica', 'Puerto Cortes',    22000,  24.00),
                        ('Uganda',    'robusta', 'Mombasa',          23000,   4.00),
                        ('Peru',      'arabica', 'Callao',           15000,  21.00),
                        ('India',     'robusta', 'Chennai',          22000,  12.00),
                        ('Mexico',    'arabica', 'Veracruz',          9000,  26.00),
                        ('Guatemala', 'arabica', 'Santo Tomas',      12000,  35.00),
                        ('Kenya',     'arabica', 'Mombasa',           3500,  85.00)""");
            s.execute("CREATE TABLE raw.trading_days AS SELECT d::DATE AS trade_date FROM range(DATE '" + first
                    + "', DATE '" + lastHistoryDay.plusDays(1) + "', INTERVAL 1 DAY) t(d) WHERE dayofweek(d) BETWEEN 1 AND 5");
            // One random walk per market; the curve's later months trade at a small spread.
            s.execute("""
                    CREATE TABLE raw.futures_settlements AS
                    WITH shocks AS (
                        SELECT m.market, d.trade_date, random() + random() + random() - 1.5 AS shock
                        FROM (VALUES ('KC'), ('RC')) m(market), raw.trading_days d),
                    walk AS (
                        SELECT market, trade_date,
                               CASE market WHEN 'KC' THEN 185.0 ELSE 2300.0 END
                                   * exp(0.025 * sum(shock) OVER (PARTITION BY market ORDER BY trade_date)) AS level
                        FROM shocks)
                    SELECT market, n.nearby::TINYINT AS nearby, trade_date,
                           round(level * (1 - 0.012 * (n.nearby - 1)), 2)::DECIMAL(10,2) AS settle,
                           (30000 * (1.0 + random()) / n.nearby)::INTEGER AS volume,
                           (90000 * (1.0 + random() * 0.2) / n.nearby)::INTEGER AS open_interest
                    FROM walk, range(1, 5) n(nearby)""");
            s.execute("""
                    CREATE TABLE raw.physical_quotes AS
                    WITH shocks AS (
                        SELECT o.origin, o.base_differential, d.trade_date, random() - 0.5 AS shock
                        FROM raw.origins o, raw.trading_days d)
                    SELECT origin, trade_date,
                           round(base_differential + 0.8 * sum(shock) OVER (PARTITION BY origin ORDER BY trade_date), 2)
                               ::DECIMAL(8,2) AS differential
                    FROM shocks""");
            s.execute("""
                    CREATE TABLE raw.export_volumes AS
                    SELECT o.origin, d.trade_date,
                           (o.daily_export_bags * (0.75 + 0.25 * sin(dayofyear(d.trade_date) / 58.0)) * (0.7 + 0.6 * random()))
                               ::BIGINT AS bags
                    FROM raw.origins o, raw.trading_days d""");
            s.execute("""
                    CREATE TABLE raw.certified_stocks AS
                    WITH shocks AS (
                        SELECT o.origin, o.port, o.daily_export_bags, d.trade_date, random() - 0.5 AS shock
                        FROM raw.origins o, raw.trading_days d)
                    SELECT origin, port, trade_date,
                           greatest(0, (daily_export_bags * (4 + 0.1 * sum(shock) OVER (PARTITION BY origin ORDER BY trade_date))))
                               ::BIGINT AS bags
                    FROM shocks""");
            s.execute("""
                    CREATE TABLE raw.pipeline_runs (
                        run_id INTEGER PRIMARY KEY, as_of DATE NOT NULL,
                        started_at TIMESTAMPTZ NOT NULL, finished_at TIMESTAMPTZ NOT NULL)""");
            rebuildStaging(s, Models.CORRECT);
            createServingViews(s);
            s.execute("INSERT INTO raw.pipeline_runs VALUES (1, DATE '" + lastHistoryDay + "', now(), now())");
            c.commit();
        }
        return new Run(1, lastHistoryDay);
    }

    /**
     * One pipeline run on an open read-write connection: lands the next trading day in
     * {@code raw}, rebuilds {@code staging} and records the run, in one transaction.
     */
    public static Run runPipeline(Connection rw) throws SQLException {
        return runPipeline(rw, Models.CORRECT);
    }

    /** {@link #runPipeline(Connection)}, building {@code staging} with the given models. */
    public static Run runPipeline(Connection rw, Models models) throws SQLException {
        boolean autoCommit = rw.getAutoCommit();
        rw.setAutoCommit(false);
        try (Statement s = rw.createStatement()) {
            int lastRun;
            LocalDate lastDay;
            try (ResultSet rs = s.executeQuery("SELECT run_id, as_of FROM raw.pipeline_runs ORDER BY run_id DESC LIMIT 1")) {
                if (!rs.next()) {
                    throw new SQLException("raw.pipeline_runs is empty: create the lakehouse with CoffeeLakehouse.create first");
                }
                lastRun = rs.getInt(1);
                lastDay = rs.getObject(2, LocalDate.class);
            }
            LocalDate day = nextWeekday(lastDay);
            land(rw, """
                    INSERT INTO raw.futures_settlements
                    SELECT f.market, f.nearby, ?::DATE,
                           round(f.settle * m.factor, 2)::DECIMAL(10,2),
                           (f.volume * (0.8 + 0.4 * random()))::INTEGER,
                           (f.open_interest * (0.98 + 0.04 * random()))::INTEGER
                    FROM raw.futures_settlements f
                    JOIN (SELECT market, exp(0.025 * (random() + random() + random() - 1.5)) AS factor
                          FROM (VALUES ('KC'), ('RC')) v(market)) m USING (market)
                    WHERE f.trade_date = ?""", day, lastDay);
            land(rw, """
                    INSERT INTO raw.physical_quotes
                    SELECT origin, ?::DATE, round(differential + 0.8 * (random() - 0.5), 2)::DECIMAL(8,2)
                    FROM raw.physical_quotes WHERE trade_date = ?""", day, lastDay);
            land(rw, """
                    INSERT INTO raw.export_volumes
                    SELECT origin, ?::DATE, (bags * (0.85 + 0.3 * random()))::BIGINT
                    FROM raw.export_volumes WHERE trade_date = ?""", day, lastDay);
            land(rw, """
                    INSERT INTO raw.certified_stocks
                    SELECT origin, port, ?::DATE, greatest(0, bags + (bags * 0.04 * (random() - 0.5)))::BIGINT
                    FROM raw.certified_stocks WHERE trade_date = ?""", day, lastDay);
            try (PreparedStatement p = rw.prepareStatement("INSERT INTO raw.trading_days VALUES (?)")) {
                p.setObject(1, day);
                p.executeUpdate();
            }
            rebuildStaging(s, models);
            try (PreparedStatement p = rw.prepareStatement(
                    "INSERT INTO raw.pipeline_runs VALUES (?, ?, now(), now())")) {
                p.setInt(1, lastRun + 1);
                p.setObject(2, day);
                p.executeUpdate();
            }
            rw.commit();
            return new Run(lastRun + 1, day);
        } catch (SQLException | RuntimeException e) {
            rw.rollback();
            throw e;
        } finally {
            rw.setAutoCommit(autoCommit);
        }
    }

    /** Opens the lakehouse, runs the pipeline once and closes it, releasing the write lock. */
    public static Run runPipeline(Path lakehouse) throws SQLException {
        return runPipeline(lakehouse, Models.CORRECT);
    }

    /** {@link #runPipeline(Path)}, building {@code staging} with the given models. */
    public static Run runPipeline(Path lakehouse, Models models) throws SQLException {
        try (Connection rw = openReadWrite(lakehouse)) {
            return runPipeline(rw, models);
        }
    }

    private static void land(Connection rw, String sql, LocalDate day, LocalDate from) throws SQLException {
        try (PreparedStatement p = rw.prepareStatement(sql)) {
            p.setObject(1, day);
            p.setObject(2, from);
            p.executeUpdate();
        }
    }

    /** The dbt/SQLMesh "models": full rebuilds of the physical staging tables. */
    private static void rebuildStaging(Statement s, Models models) throws SQLException {
        s.execute("""
                CREATE OR REPLACE TABLE staging.front_month AS
                SELECT market, trade_date, (settle * %d)::DECIMAL(10,2) AS settle, volume, open_interest
                FROM raw.futures_settlements WHERE nearby = 1""".formatted(models.settleFactor));
        // Arabica origins price off KC (cents/lb); robusta off RC converted from USD/tonne.
        s.execute("""
                CREATE OR REPLACE TABLE staging.physical_prices AS
                SELECT q.origin, o.species, q.trade_date, q.differential,
                       round(CASE o.species WHEN 'arabica' THEN kc.settle ELSE rc.settle * %s END + q.differential, 2)
                           ::DECIMAL(10,2) AS price_usc_lb
                FROM raw.physical_quotes q
                JOIN raw.origins o USING (origin)
                JOIN staging.front_month kc ON kc.market = 'KC' AND kc.trade_date = q.trade_date
                JOIN staging.front_month rc ON rc.market = 'RC' AND rc.trade_date = q.trade_date"""
                .formatted(CENTS_PER_LB_PER_USD_PER_TONNE));
        s.execute("""
                CREATE OR REPLACE TABLE staging.origin_daily AS
                SELECT v.origin, v.trade_date, v.bags AS export_bags, s.bags AS certified_stock_bags
                FROM raw.export_volumes v
                JOIN raw.certified_stocks s USING (origin, trade_date)""");
    }

    private static void createServingViews(Statement s) throws SQLException {
        s.execute("""
                CREATE VIEW serving.futures_curve AS
                SELECT market, nearby, trade_date, settle, volume, open_interest FROM raw.futures_settlements
                WHERE trade_date = (SELECT max(trade_date) FROM raw.futures_settlements)""");
        s.execute("CREATE VIEW serving.front_month AS SELECT * FROM staging.front_month");
        s.execute("CREATE VIEW serving.physical_prices AS SELECT * FROM staging.physical_prices");
        s.execute("CREATE VIEW serving.origin_daily AS SELECT * FROM staging.origin_daily");
        s.execute("""
                CREATE VIEW serving.origin_summary AS
                WITH latest AS (SELECT max(trade_date) AS d FROM staging.physical_prices)
                SELECT p.origin, p.species, p.price_usc_lb,
                       (SELECT round(avg(h.price_usc_lb), 2) FROM staging.physical_prices h
                        WHERE h.origin = p.origin AND h.trade_date > latest.d - 30) AS avg_price_30d,
                       (SELECT sum(v.export_bags) FROM staging.origin_daily v
                        WHERE v.origin = p.origin AND v.trade_date > latest.d - 30) AS export_bags_30d,
                       o.certified_stock_bags, p.trade_date
                FROM staging.physical_prices p, latest, staging.origin_daily o
                WHERE p.trade_date = latest.d AND o.origin = p.origin AND o.trade_date = latest.d""");
        s.execute("""
                CREATE VIEW serving.pipeline_run AS
                SELECT run_id, as_of, finished_at FROM raw.pipeline_runs ORDER BY run_id DESC LIMIT 1""");
    }

    static LocalDate nextWeekday(LocalDate day) {
        LocalDate next = day.plusDays(1);
        while (next.getDayOfWeek() == DayOfWeek.SATURDAY || next.getDayOfWeek() == DayOfWeek.SUNDAY) {
            next = next.plusDays(1);
        }
        return next;
    }

    static LocalDate previousWeekday(LocalDate day) {
        LocalDate previous = day.minusDays(1);
        while (previous.getDayOfWeek() == DayOfWeek.SATURDAY || previous.getDayOfWeek() == DayOfWeek.SUNDAY) {
            previous = previous.minusDays(1);
        }
        return previous;
    }
}
