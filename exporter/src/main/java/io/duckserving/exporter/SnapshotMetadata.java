package io.duckserving.exporter;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.List;

/**
 * The schema every snapshot carries about itself, so readers and dashboards can show how fresh
 * the data is: {@code serving_meta.publish} (one row) and {@code serving_meta.tables}.
 */
final class SnapshotMetadata {

    static final String SCHEMA = "serving_meta";

    private SnapshotMetadata() {
    }

    static void write(Connection work, String catalog, String publishId, Instant publishedAt, String source,
            List<CopiedTable> tables) throws SQLException {
        String schema = DuckDb.ident(catalog) + "." + SCHEMA;
        long totalRows = tables.stream().mapToLong(CopiedTable::rows).sum();
        try (Statement st = work.createStatement()) {
            st.execute("CREATE SCHEMA " + schema);
            st.execute("CREATE TABLE " + schema + ".publish (publish_id VARCHAR, published_at TIMESTAMPTZ, "
                    + "source VARCHAR, total_rows BIGINT)");
            st.execute("CREATE TABLE " + schema + ".tables (schema_name VARCHAR, table_name VARCHAR, "
                    + "row_count BIGINT)");
        }
        try (PreparedStatement ps = work.prepareStatement("INSERT INTO " + schema
                + ".publish VALUES (?, CAST(? AS TIMESTAMPTZ), ?, ?)")) {
            ps.setString(1, publishId);
            ps.setString(2, publishedAt.toString());
            ps.setString(3, source);
            ps.setLong(4, totalRows);
            ps.executeUpdate();
        }
        try (PreparedStatement ps = work.prepareStatement("INSERT INTO " + schema + ".tables VALUES (?, ?, ?)")) {
            for (CopiedTable table : tables) {
                ps.setString(1, table.schema());
                ps.setString(2, table.table());
                ps.setLong(3, table.rows());
                ps.executeUpdate();
            }
        }
    }
}
