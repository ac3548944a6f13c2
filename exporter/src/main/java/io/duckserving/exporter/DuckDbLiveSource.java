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
 * Arrow would lose. The export runs with {@code arrow_lossless_conversion} on: without it DuckDB
 * silently turns BIT into other bits, drops TIMETZ offsets and sends UHUGEINT as a signed decimal.
 * The connection's own value is put back afterwards.
 */
final class DuckDbLiveSource implements LiveSource {

    private final Connection source;
    private final String catalog;
    private final boolean previousLossless;

    DuckDbLiveSource(Connection source) throws SQLException {
        this.source = source;
        try (Statement st = source.createStatement(); ResultSet rs = st.executeQuery(
                "SELECT current_database(), current_setting('arrow_lossless_conversion')")) {
            rs.next();
            this.catalog = rs.getString(1);
            this.previousLossless = rs.getBoolean(2);
        }
        setLossless(true);
    }

    private void setLossless(boolean on) throws SQLException {
        try (Statement st = source.createStatement()) {
            st.execute("SET arrow_lossless_conversion = " + on);
        }
    }

    @Override
    public void close() throws SQLException {
        setLossless(previousLossless);
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
