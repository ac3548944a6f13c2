package io.duckserving.exporter;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A plain JDBC source exports exactly the named schema. */
class JdbcLiveSourceSchemaTest {

    @TempDir
    Path dir;

    @Test
    void plainJdbcSourceCopiesOnlyTheNamedSchemaEvenWithAnUnderscore() throws Exception {
        Path lake = dir.resolve("other_db.duckdb");
        try (Connection c = Lakehouse.open(lake, false); Statement st = c.createStatement()) {
            st.execute("CREATE SCHEMA a_b; CREATE SCHEMA axb");
            st.execute("CREATE TABLE a_b.wanted AS SELECT 1 AS x");
            st.execute("CREATE TABLE axb.secret AS SELECT 2 AS y");
        }
        ExportReport report;
        try (Connection real = Lakehouse.open(lake, true)) {
            report = new Exporter().export(ExportRequest.builder().sourceConnection(JdbcLiveSourceTest.hideDuckDb(real))
                    .target(dir.resolve("analytics.duckdb")).schema("a_b").handoff(Duration.ZERO).build());
        }
        assertEquals(List.of("a_b.wanted"), List.copyOf(report.tables().keySet()));
    }
}
