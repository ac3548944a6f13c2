package io.duckserving.exporter;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.StringJoiner;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.duckdb.DuckDBResultSet;

/**
 * A live DuckDB connection: DuckDB exports its own results as Arrow ({@code arrowExportStream}),
 * and {@code DESCRIBE} gives the exact types (ENUM('a', 'b'), UUID, HUGEINT, STRUCT(...)) that
 * Arrow would lose.
 */
final class DuckDbLiveSource implements LiveSource {

    private final Connection source;
    private final String catalog;

    DuckDbLiveSource(Connection source) throws SQLException {
        this.source = source;
        try (Statement st = source.createStatement(); ResultSet rs = st.executeQuery("SELECT current_database()")) {
            rs.next();
            this.catalog = rs.getString(1);
        }
    }

    @Override
    public String resolveSchema(String schema) throws SQLException, ExportException {
        return SourceCatalog.resolveSchema(source, catalog, schema, "the source connection's database " + catalog);
    }

    @Override
    public List<SourceTable> tables(String schema) throws SQLException {
        return SourceCatalog.listTables(source, catalog, schema);
    }

    @Override
    public String columnsOf(SourceTable table) throws SQLException {
        StringJoiner columns = new StringJoiner(", ");
        try (Statement st = source.createStatement();
                ResultSet rs = st.executeQuery("DESCRIBE SELECT * FROM " + name(table))) {
            while (rs.next()) {
                columns.add(DuckDb.ident(rs.getString("column_name")) + " " + rs.getString("column_type"));
            }
        }
        return columns.toString();
    }

    @Override
    public ArrowReader rows(SourceTable table, Statement statement, BufferAllocator allocator, long batchRows)
            throws SQLException {
        DuckDBResultSet rs = (DuckDBResultSet) statement.executeQuery("SELECT * FROM " + name(table));
        return (ArrowReader) rs.arrowExportStream(allocator, batchRows);
    }

    private String name(SourceTable table) {
        return DuckDb.ident(catalog) + "." + DuckDb.ident(table.schema()) + "." + DuckDb.ident(table.name());
    }
}
