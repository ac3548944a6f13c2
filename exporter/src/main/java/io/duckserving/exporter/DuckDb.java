package io.duckserving.exporter;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Locale;
import java.util.Properties;

/** Opening DuckDB the way the exporter needs it, and SQL text helpers. */
final class DuckDb {

    private DuckDb() {
    }

    /**
     * An in-memory DuckDB that attaches the files it works on. DuckDB's path-keyed instance cache
     * is off (it would hand out a stale database after a rename), and extension autoloading is off
     * (it stalls on the network and can fail a run for no reason of ours).
     */
    static Connection openInMemory() throws SQLException {
        Properties props = new Properties();
        props.setProperty("jdbc_instance_cache", "false");
        props.setProperty("autoinstall_known_extensions", "false");
        props.setProperty("autoload_known_extensions", "false");
        return DriverManager.getConnection("jdbc:duckdb:", props);
    }

    /** A double-quoted SQL identifier. */
    static String ident(String name) {
        return '"' + name.replace("\"", "\"\"") + '"';
    }

    /** A single-quoted SQL string literal. */
    static String literal(String value) {
        return '\'' + value.replace("'", "''") + '\'';
    }

    static String literal(Path path) {
        return literal(path.toString());
    }

    /**
     * The catalog name DuckDB gives a database file: its file name up to the first dot
     * ({@code analytics.duckdb} -> {@code analytics}).
     */
    static String catalogName(Path file) {
        String name = file.getFileName().toString();
        int dot = name.indexOf('.');
        return dot < 0 ? name : name.substring(0, dot);
    }

    static boolean sameName(String a, String b) {
        // DuckDB resolves identifiers case-insensitively.
        return a.toLowerCase(Locale.ROOT).equals(b.toLowerCase(Locale.ROOT));
    }
}
