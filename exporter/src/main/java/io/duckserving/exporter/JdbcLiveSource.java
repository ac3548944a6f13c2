package io.duckserving.exporter;

import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.StringJoiner;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.ipc.ArrowReader;

/**
 * Any other JDBC database as a live source: tables and views from {@link DatabaseMetaData}, rows
 * turned into Arrow batches by {@link JdbcArrowReader}, target types from {@link JdbcColumn}.
 */
final class JdbcLiveSource implements LiveSource {

    private final Connection source;
    private final DatabaseMetaData meta;
    private final String quote;

    JdbcLiveSource(Connection source) throws SQLException {
        this.source = source;
        this.meta = source.getMetaData();
        String q = meta.getIdentifierQuoteString();
        this.quote = q == null || q.isBlank() ? "\"" : q.strip();
    }

    @Override
    public String resolveSchema(String schema) throws SQLException, ExportException {
        List<String> existing = new ArrayList<>();
        try (ResultSet rs = meta.getSchemas()) {
            while (rs.next()) {
                existing.add(rs.getString("TABLE_SCHEM"));
            }
        }
        for (String name : existing) {
            if (DuckDb.sameName(name, schema)) {
                return name;
            }
        }
        throw new ExportException(ExportException.Reason.INVALID_REQUEST, "schema '" + schema + "' does not exist in "
                + "the source connection " + ArrowCopy.redactedUrl(meta.getURL()) + " (its schemas: " + String.join(", ", existing)
                + "); pass an existing schema");
    }

    @Override
    public List<SourceTable> tables(String schema) throws SQLException {
        List<SourceTable> tables = new ArrayList<>();
        // getTables takes a pattern: "a_b" would also match schema "axb". Escape it, and still
        // compare exactly, for drivers that ignore the escape.
        try (ResultSet rs = meta.getTables(null, schemaPattern(schema), "%", null)) {
            while (rs.next()) {
                if (!schema.equals(rs.getString("TABLE_SCHEM"))) {
                    continue;
                }
                String type = String.valueOf(rs.getString("TABLE_TYPE")).toUpperCase(Locale.ROOT);
                boolean view = type.contains("VIEW");
                // Plain tables and views only: no system tables, temporary tables, synonyms, aliases.
                if ((view || type.contains("TABLE")) && !type.contains("SYSTEM") && !type.contains("TEMP")) {
                    tables.add(new SourceTable(rs.getString("TABLE_SCHEM"), rs.getString("TABLE_NAME"), view));
                }
            }
        }
        tables.sort((a, b) -> a.name().compareTo(b.name()));
        return tables;
    }

    private String schemaPattern(String schema) throws SQLException {
        String escape = meta.getSearchStringEscape();
        if (escape == null || escape.isEmpty()) {
            return schema;
        }
        return schema.replace(escape, escape + escape).replace("_", escape + "_").replace("%", escape + "%");
    }

    @Override
    public String columnsOf(SourceTable table) throws SQLException {
        StringJoiner columns = new StringJoiner(", ");
        try (Statement st = source.createStatement();
                ResultSet rs = st.executeQuery("SELECT * FROM " + name(table) + " WHERE 1 = 0")) {
            ResultSetMetaData md = rs.getMetaData();
            for (int i = 1; i <= md.getColumnCount(); i++) {
                columns.add(DuckDb.ident(md.getColumnLabel(i)) + " " + JdbcColumn.of(md, i).duckDbType());
            }
        }
        return columns.toString();
    }

    @Override
    public ArrowReader rows(SourceTable table, Statement statement, BufferAllocator allocator, long batchRows)
            throws SQLException {
        statement.setFetchSize((int) Math.min(batchRows, 10_000));
        ResultSet rs = statement.executeQuery("SELECT * FROM " + name(table));
        return new JdbcArrowReader(allocator, rs, (int) batchRows);
    }

    private String name(SourceTable table) {
        return ident(table.schema()) + "." + ident(table.name());
    }

    @Override
    public void close() {
        // Nothing was changed on the source connection.
    }

    private String ident(String name) {
        return quote + name.replace(quote, quote + quote) + quote;
    }
}
