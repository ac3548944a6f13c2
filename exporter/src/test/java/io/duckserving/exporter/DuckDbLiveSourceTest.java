package io.duckserving.exporter;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A live DuckDB connection streamed through Arrow keeps every value exactly. */
class DuckDbLiveSourceTest {

    @TempDir
    Path dir;

    @Test
    void liveDuckDbConnectionKeepsBitAndTimeTzValues() throws Exception {
        Path lake = dir.resolve("lakehouse.duckdb");
        Path target = dir.resolve("analytics.duckdb");
        try (Connection c = Lakehouse.open(lake, false); Statement st = c.createStatement()) {
            st.execute("CREATE SCHEMA serving");
            st.execute("CREATE TABLE serving.odd AS SELECT '0101'::BIT AS b, '10:00:00+02'::TIMETZ AS tz");
        }
        try (Connection pipeline = Lakehouse.open(lake, false)) {
            new Exporter().export(ExportRequest.builder().sourceConnection(pipeline).target(target)
                    .handoff(Duration.ZERO).build());
        }
        try (Connection c = Lakehouse.open(target, true)) {
            assertEquals(List.of(List.of("0101", "10:00:00+02")),
                    Lakehouse.rows(c, "SELECT b::VARCHAR, tz::VARCHAR FROM serving.odd"));
        }
        SnapshotAssertions.assertSameRelations(lake, target, List.of("serving.odd"));
    }

    @Test
    void liveDuckDbConnectionCopiesTheLargestUhugeint() throws Exception {
        Path lake = dir.resolve("lakehouse.duckdb");
        Path target = dir.resolve("analytics.duckdb");
        try (Connection c = Lakehouse.open(lake, false); Statement st = c.createStatement()) {
            st.execute("CREATE SCHEMA serving");
            st.execute("CREATE TABLE serving.big AS SELECT 340282366920938463463374607431768211455::UHUGEINT AS u");
        }
        try (Connection pipeline = Lakehouse.open(lake, false)) {
            new Exporter().export(ExportRequest.builder().sourceConnection(pipeline).target(target)
                    .handoff(Duration.ZERO).build());
        }
        SnapshotAssertions.assertSameRelations(lake, target, List.of("serving.big"));
    }
}
