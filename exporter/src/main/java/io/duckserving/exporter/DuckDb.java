package io.duckserving.exporter;

import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;
import java.util.Properties;
import java.util.Set;

/** Opening DuckDB the way the exporter needs it, and SQL text helpers. */
final class DuckDb {

    private static final SecureRandom RANDOM = new SecureRandom();

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

    /**
     * The exporter's work connection. Its database gets a name of its own instead of DuckDB's
     * default {@code memory}, which a lakehouse file named {@code memory.duckdb} needs for itself
     * (the source keeps its catalog name so that views naming it still resolve).
     */
    static Connection openWorkDatabase() throws SQLException {
        Connection conn = openInMemory();
        try (Statement st = conn.createStatement()) {
            String work = ident("serving_export_work_" + Long.toHexString(RANDOM.nextLong() >>> 1));
            st.execute("ATTACH ':memory:' AS " + work);
            st.execute("USE " + work);
            st.execute("DETACH memory");
        } catch (SQLException e) {
            conn.close();
            throw e;
        }
        return conn;
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
     * The catalog name DuckDB gives a database file, mirroring its AttachedDatabase::ExtractDatabaseName:
     * the first non-empty part of the file name split at dots ({@code analytics.duckdb} ->
     * {@code analytics}, {@code .serving.duckdb} -> {@code serving}), and {@code _db} appended to
     * the reserved names main, temp and system ({@code main.duckdb} -> {@code main_db}).
     */
    static String catalogName(Path file) {
        String name = "";
        for (String part : file.getFileName().toString().split("\\.")) {
            if (!part.isEmpty()) {
                name = part;
                break;
            }
        }
        // DuckDB compares these case-sensitively.
        return RESERVED_CATALOGS.contains(name) ? name + "_db" : name;
    }

    private static final Set<String> RESERVED_CATALOGS = Set.of("main", "temp", "system");

    static boolean sameName(String a, String b) {
        // DuckDB resolves identifiers case-insensitively.
        return a.toLowerCase(Locale.ROOT).equals(b.toLowerCase(Locale.ROOT));
    }
}
