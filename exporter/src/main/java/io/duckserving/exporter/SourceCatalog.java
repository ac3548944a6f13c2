package io.duckserving.exporter;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/** Catalog look-ups and messages shared by both sources. */
final class SourceCatalog {

    private SourceCatalog() {
    }

    /** The schema's name as spelled in the source; fails naming the schemas that do exist. */
    static String resolveSchema(Connection conn, String catalog, String schema, String where)
            throws SQLException, ExportException {
        List<String> existing = new ArrayList<>();
        try (PreparedStatement ps = conn.prepareStatement("SELECT schema_name FROM duckdb_schemas() "
                + "WHERE database_name = ? AND NOT internal ORDER BY schema_name")) {
            ps.setString(1, catalog);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    existing.add(rs.getString(1));
                }
            }
        }
        for (String name : existing) {
            if (DuckDb.sameName(name, schema)) {
                return name;
            }
        }
        throw new ExportException(ExportException.Reason.INVALID_REQUEST, "schema '" + schema
                + "' does not exist in " + where + " (its schemas: " + String.join(", ", existing)
                + "); pass an existing schema with --schema");
    }

    static List<SourceTable> listTables(Connection conn, String catalog, String schema) throws SQLException {
        List<SourceTable> tables = new ArrayList<>();
        try (PreparedStatement ps = conn.prepareStatement("SELECT table_name, table_type FROM "
                + "information_schema.tables WHERE table_catalog = ? AND table_schema = ? ORDER BY table_name")) {
            ps.setString(1, catalog);
            ps.setString(2, schema);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    tables.add(new SourceTable(schema, rs.getString(1), "VIEW".equals(rs.getString(2))));
                }
            }
        }
        return tables;
    }

    /** The exported schemas in source spelling, including ones without tables. */
    private static Set<String> schemasOf(List<SourceTable> tables, List<String> requested) {
        Set<String> schemas = new LinkedHashSet<>();
        for (String wanted : requested) {
            String spelled = wanted;
            for (SourceTable t : tables) {
                if (DuckDb.sameName(t.schema(), wanted)) {
                    spelled = t.schema();
                }
            }
            schemas.add(spelled);
        }
        return schemas;
    }

    /** Creates the exported schemas in the snapshot (also the ones without tables). */
    static void createSchemas(Connection work, String targetAlias, List<SourceTable> tables, List<String> requested)
            throws ExportException {
        try (Statement st = work.createStatement()) {
            for (String schema : schemasOf(tables, requested)) {
                st.execute("CREATE SCHEMA IF NOT EXISTS " + DuckDb.ident(targetAlias) + "." + DuckDb.ident(schema));
            }
        } catch (SQLException e) {
            throw new ExportException(ExportException.Reason.FAILED, "cannot create the schemas in the snapshot: "
                    + e.getMessage(), e);
        }
    }

    static long count(Statement st, String sqlName) throws SQLException {
        try (ResultSet rs = st.executeQuery("SELECT count(*) FROM " + sqlName)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    static ExportException copyFailed(SourceTable table, String source, SQLException e) {
        String message = String.valueOf(e.getMessage());
        String hint = "";
        String lower = message.toLowerCase(Locale.ROOT);
        if (lower.contains("no space left") || lower.contains("disk full") || lower.contains("not enough space")) {
            hint = "; the target's disk is full: free space there and run again";
        } else if (lower.contains("out of memory")) {
            hint = "; DuckDB ran out of memory: give the JVM host more memory or export fewer schemas at once";
        }
        return new ExportException(ExportException.Reason.FAILED, "copying " + (table.view() ? "view " : "table ")
                + table.schema() + "." + table.name() + " from " + source + " failed: " + message + hint, e);
    }

    static String progressLine(SourceTable table, long rows, long startNanos) {
        long millis = Math.max(1, (System.nanoTime() - startNanos) / 1_000_000);
        return String.format(Locale.ROOT, "copied %s %s.%s: %,d rows in %.1f s (%,d rows/s)",
                table.view() ? "view" : "table", table.schema(), table.name(), rows, millis / 1000.0,
                rows * 1000 / millis);
    }
}
