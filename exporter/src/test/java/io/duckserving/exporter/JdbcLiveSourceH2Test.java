package io.duckserving.exporter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The live route from a database that really is not DuckDB: H2, through its own JDBC driver. */
class JdbcLiveSourceH2Test {
    @TempDir
    Path dir;

    @Test
    void h2TablesAndViewsArriveWithTheirValuesAndStandardTypes() throws Exception {
        Path target = dir.resolve("analytics.duckdb");
        try (Connection h2 = DriverManager.getConnection("jdbc:h2:mem:lake;DATABASE_TO_LOWER=TRUE");
             Statement st = h2.createStatement()) {
            st.execute("CREATE SCHEMA serving");
            st.execute("CREATE SCHEMA internal");
            st.execute("CREATE TABLE internal.orders (id BIGINT PRIMARY KEY, customer VARCHAR(40), paid BOOLEAN,"
                    + " amount DECIMAL(18,4), weight DOUBLE PRECISION, ordered DATE, shipped TIMESTAMP,"
                    + " confirmed TIMESTAMP WITH TIME ZONE)");
            st.execute("INSERT INTO internal.orders SELECT n, 'customer ' || n, MOD(n, 2) = 0, n / 7.0, n * 1.5,"
                    + " DATEADD(DAY, n, DATE '2024-01-01'), TIMESTAMP '2024-01-01 10:00:00' + n * INTERVAL '1' MINUTE,"
                    + " TIMESTAMP WITH TIME ZONE '2024-01-01 10:00:00+02' + n * INTERVAL '1' HOUR"
                    + " FROM (SELECT \"X\" AS n FROM SYSTEM_RANGE(1, 1000)) r");
            st.execute("INSERT INTO internal.orders VALUES (0, NULL, NULL, NULL, NULL, NULL, NULL, NULL)");
            st.execute("CREATE TABLE serving.orders AS SELECT * FROM internal.orders");
            st.execute("CREATE VIEW serving.paid AS SELECT id, amount FROM internal.orders WHERE paid");

            ExportReport report = new Exporter().export(
                    ExportRequest.builder().sourceConnection(h2).target(target).handoff(Duration.ZERO).build());

            assertEquals(List.of("serving.orders", "serving.paid"), List.copyOf(report.tables().keySet()));
            assertEquals(1001L + 500, report.totalRows());
            try (Connection snapshot = Lakehouse.open(target, true); Statement s = snapshot.createStatement()) {
                assertEquals(List.of("id BIGINT", "customer VARCHAR", "paid BOOLEAN", "amount DECIMAL(18,4)",
                        "weight DOUBLE", "ordered DATE", "shipped TIMESTAMP", "confirmed TIMESTAMP WITH TIME ZONE"),
                        rows(s, "SELECT column_name || ' ' || data_type FROM duckdb_columns() "
                                + "WHERE schema_name = 'serving' AND table_name = 'orders' ORDER BY column_index"));
                assertEquals(List.of("7|customer 7|false|1.0000|10.5|2024-01-08|2024-01-01 10:07:00|2024-01-01 15:00:00+00"),
                        rows(s, "SET TimeZone = 'UTC'; SELECT concat_ws('|', id, customer, paid, amount, weight, ordered,"
                                + " shipped, confirmed) FROM serving.orders WHERE id = 7"));
                assertEquals(List.of("0|true"), rows(s,
                        "SELECT concat_ws('|', id, customer IS NULL AND amount IS NULL AND confirmed IS NULL)"
                                + " FROM serving.orders WHERE id = 0"));
                assertEquals(0, sum(s, "SELECT sum(amount) FROM serving.paid")
                        .compareTo(sum(st, "SELECT SUM(amount) FROM internal.orders WHERE paid")),
                        "the view's amounts, summed in the snapshot and in H2");
            }
        }
    }

    private static BigDecimal sum(Statement s, String sql) throws Exception {
        try (ResultSet rs = s.executeQuery(sql)) {
            assertTrue(rs.next());
            return rs.getBigDecimal(1);
        }
    }

    private static List<String> rows(Statement s, String sql) throws Exception {
        List<String> out = new ArrayList<>();
        for (String part : sql.split("; ")) {
            if (!part.startsWith("SELECT")) {
                s.execute(part);
                continue;
            }
            try (ResultSet rs = s.executeQuery(part)) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
        }
        return out;
    }
}
