package io.duckserving.exporter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The live route for a database that is not DuckDB: a real DuckDB database reached only through
 * the plain JDBC interfaces (a proxy hides that it is DuckDB), so only standard JDBC metadata and
 * getters are used, as with any other driver.
 */
class JdbcLiveSourceTest {

    @TempDir
    Path dir;

    @Test
    void plainJdbcSourceKeepsStandardTypesAndValues() throws Exception {
        Path lake = dir.resolve("other_db.duckdb");
        Path target = dir.resolve("analytics.duckdb");
        try (Connection c = Lakehouse.open(lake, false); Statement st = c.createStatement()) {
            st.execute("CREATE SCHEMA serving; CREATE SCHEMA hidden");
            st.execute("CREATE TABLE serving.standard AS SELECT"
                    + " (i % 2 = 0) AS b, (i % 100)::TINYINT AS t, (i * 3)::SMALLINT AS s, (i * 7)::INTEGER AS n,"
                    + " (i * 1000000007)::BIGINT AS l, i / 3.0 AS d, (i / 7.0)::DECIMAL(18,4) AS dec,"
                    + " (i * 1.1)::DECIMAL(38,10) AS wide, DATE '2024-01-01' + i::INTEGER AS day,"
                    + " TIME '10:00:00' + to_microseconds(i * 1001) AS tm,"
                    + " TIMESTAMP '2024-01-01 00:00:00.123456' + to_seconds(i) AS ts,"
                    + " TIMESTAMPTZ '2024-01-01 00:00:00.654321+00' + to_seconds(i) AS tstz,"
                    + " ('\\x00\\x01' || i::VARCHAR)::BLOB AS bin, 'text ü ' || i AS txt"
                    + " FROM range(5000) r(i)");
            st.execute("INSERT INTO serving.standard VALUES (NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, "
                    + "NULL, NULL, NULL, NULL, NULL)");
            st.execute("CREATE VIEW serving.evens AS SELECT n, txt FROM serving.standard WHERE b");
            st.execute("CREATE TABLE hidden.secret AS SELECT 1 AS x");
        }

        ExportReport report;
        try (Connection real = Lakehouse.open(lake, true)) {
            Connection plain = hideDuckDb(real);
            assertFalse(plain.isWrapperFor(org.duckdb.DuckDBConnection.class));
            report = new Exporter().export(ExportRequest.builder().sourceConnection(plain).target(target)
                    .handoff(Duration.ZERO).build());
        }

        assertEquals(List.of("serving.evens", "serving.standard"), List.copyOf(report.tables().keySet()));
        assertEquals(2_500L + 5_001, report.totalRows());
        SnapshotAssertions.assertSameRelations(lake, target, List.of("serving.standard", "serving.evens"));
    }

    @Test
    void plainJdbcSourceMissingSchemaNamesTheSchemasThatExist() throws Exception {
        Path lake = dir.resolve("other_db.duckdb");
        try (Connection c = Lakehouse.open(lake, false); Statement st = c.createStatement()) {
            st.execute("CREATE SCHEMA marts");
        }
        try (Connection real = Lakehouse.open(lake, true)) {
            ExportException e = assertThrows(ExportException.class, () -> new Exporter().export(ExportRequest
                    .builder().sourceConnection(hideDuckDb(real)).target(dir.resolve("analytics.duckdb")).build()));
            assertEquals(ExportException.Reason.INVALID_REQUEST, e.reason());
            assertTrue(e.getMessage().contains("'serving'") && e.getMessage().contains("marts"), e.getMessage());
        }
    }

    /** The connection as any JDBC driver would hand it out: no way to reach DuckDB's own classes. */
    static Connection hideDuckDb(Connection real) {
        return (Connection) Proxy.newProxyInstance(JdbcLiveSourceTest.class.getClassLoader(),
                new Class<?>[] {Connection.class}, (proxy, method, args) -> {
                    switch (method.getName()) {
                        case "isWrapperFor":
                            return false;
                        case "unwrap":
                            throw new SQLException("not a wrapper");
                        default:
                            try {
                                return method.invoke(real, args);
                            } catch (InvocationTargetException e) {
                                throw e.getCause();
                            }
                    }
                });
    }
}
