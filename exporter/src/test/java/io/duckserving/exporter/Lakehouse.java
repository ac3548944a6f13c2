package io.duckserving.exporter;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

/** Builds test lakehouses shaped like SQLMesh/dbt output: physical tables in one schema, views in `serving`. */
final class Lakehouse {

    private Lakehouse() {
    }

    static Connection open(Path file, boolean readOnly) throws SQLException {
        Properties props = new Properties();
        props.setProperty("jdbc_instance_cache", "false");
        if (readOnly) {
            props.setProperty("duckdb.read_only", "true");
        }
        return DriverManager.getConnection("jdbc:duckdb:" + file, props);
    }

    /**
     * {@code staging.events} (every type the exporter must keep) with {@code rows} rows,
     * {@code serving.events} (a view over it, unqualified), {@code serving.recent} (a view naming
     * the lakehouse's own catalog, as dbt writes them), {@code serving.moods} (a table with a
     * user-defined ENUM type) and {@code other.secret} (must never be copied).
     */
    static void create(Path file, long rows) throws SQLException {
        String catalog = DuckDb.catalogName(file);
        try (Connection c = open(file, false); Statement st = c.createStatement()) {
            st.execute("CREATE SCHEMA staging; CREATE SCHEMA serving; CREATE SCHEMA other");
            st.execute("CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy')");
            st.execute("CREATE TABLE staging.events AS SELECT"
                    + " i::BIGINT AS id,"
                    + " (i % 1000)::INTEGER AS small,"
                    + " 'name-' || i AS name,"
                    + " uuid() AS uid,"
                    + " (i::HUGEINT * 1000000000000000000000::HUGEINT) AS huge,"
                    + " (i / 7.0)::DECIMAL(18,4) AS amount,"
                    + " (i * 1.5)::DECIMAL(38,10) AS wide_amount,"
                    + " (['sad','ok','happy'])[1 + (i % 3)::INTEGER]::mood AS feeling,"
                    + " [i, i + 1, i + 2] AS list_col,"
                    + " {'a': i, 'b': 'x' || i, 'c': [i::DOUBLE]} AS struct_col,"
                    + " MAP {'k' || (i % 5): i} AS map_col,"
                    + " TIMESTAMPTZ '2024-01-01 00:00:00+00' + to_seconds(i) AS ts_tz,"
                    + " TIMESTAMP '2024-01-01 00:00:00' + to_seconds(i) AS ts,"
                    + " DATE '2024-01-01' + (i % 365)::INTEGER AS day,"
                    + " (i % 2 = 0) AS flag,"
                    + " i / 3.0 AS dbl,"
                    + " CASE WHEN i % 10 = 0 THEN NULL ELSE i END AS maybe,"
                    + " '\\x00\\xFF'::BLOB AS bin"
                    + " FROM range(" + rows + ") r(i)");
            st.execute("CREATE VIEW serving.events AS SELECT * FROM staging.events");
            st.execute("CREATE VIEW serving.recent AS SELECT id, uid, huge, feeling FROM "
                    + catalog + ".staging.events WHERE id % 2 = 0");
            st.execute("CREATE TABLE serving.moods (feeling mood, n HUGEINT, u UUID)");
            st.execute("INSERT INTO serving.moods VALUES ('happy', 170141183460469231731687303715884105727, "
                    + "'00000000-0000-0000-0000-000000000001'), ('sad', -170141183460469231731687303715884105727, NULL)");
            st.execute("CREATE TABLE other.secret AS SELECT 42 AS answer");
        }
    }

    /** Every row of a result, each as a list of getString values. */
    static List<List<String>> rows(Connection c, String sql) throws SQLException {
        List<List<String>> rows = new ArrayList<>();
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            int n = rs.getMetaData().getColumnCount();
            while (rs.next()) {
                List<String> row = new ArrayList<>();
                for (int i = 1; i <= n; i++) {
                    row.add(rs.getString(i));
                }
                rows.add(row);
            }
        }
        return rows;
    }

    static long scalar(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /**
     * Exports {@code lake} to {@code target} with the library API (default schema when none given),
     * without the handoff: HandoffTest tests it, elsewhere it would only add a second per publish.
     */
    static ExportReport export(Path lake, Path target, String... schemas) throws ExportException {
        ExportRequest.Builder b = ExportRequest.builder().source(lake).target(target).handoff(Duration.ZERO);
        if (schemas.length > 0) {
            b.schemas(List.of(schemas));
        }
        return new Exporter().export(b.build());
    }
}
