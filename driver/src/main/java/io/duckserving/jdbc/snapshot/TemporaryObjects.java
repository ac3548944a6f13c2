package io.duckserving.jdbc.snapshot;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.duckdb.DuckDBConnection;

/**
 * Whether a DuckDB connection still holds temporary objects (which pin it to its snapshot): tables,
 * views, sequences, macros (scalar and table) and types, all in the {@code temp} catalog.
 */
final class TemporaryObjects {
    private static final String COUNT = "SELECT (SELECT count(*) FROM duckdb_tables() WHERE temporary)"
            + " + (SELECT count(*) FROM duckdb_views() WHERE temporary AND NOT internal)"
            + " + (SELECT count(*) FROM duckdb_sequences() WHERE temporary)"
            + " + (SELECT count(*) FROM duckdb_functions() WHERE database_name = 'temp' AND NOT internal)"
            // Built-in types are listed under 'temp' too, as internal ones.
            + " + (SELECT count(*) FROM duckdb_types() WHERE database_name = 'temp' AND NOT internal)";

    private TemporaryObjects() {
    }

    static boolean exist(DuckDBConnection duck) throws SQLException {
        try (Statement st = duck.createStatement(); ResultSet rs = st.executeQuery(COUNT)) {
            return rs.next() && rs.getLong(1) > 0;
        }
    }
}
