package io.duckserving.exporter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/** Compares a published snapshot with its lakehouse, by column type and by value. */
final class SnapshotAssertions {

    private SnapshotAssertions() {
    }

    /** Each listed source relation (table or view) must be a table in the snapshot with the same types and rows. */
    static void assertSameRelations(Path lakehouse, Path snapshot, List<String> qualifiedNames) throws SQLException {
        String src = DuckDb.catalogName(lakehouse);
        try (Connection c = DuckDb.openInMemory(); Statement st = c.createStatement()) {
            st.execute("ATTACH '" + lakehouse + "' (READ_ONLY)");
            st.execute("ATTACH '" + snapshot + "' AS dst (READ_ONLY)");
            st.execute("USE " + src);
            for (String name : qualifiedNames) {
                String[] parts = name.split("\\.");
                assertEquals(columns(c, src, parts[0], parts[1]), columns(c, "dst", parts[0], parts[1]),
                        "column names and types of " + name);
                assertEquals(List.of(List.of("BASE TABLE")), Lakehouse.rows(c, "SELECT table_type FROM "
                        + "information_schema.tables WHERE table_catalog = 'dst' AND table_schema = '" + parts[0]
                        + "' AND table_name = '" + parts[1] + "'"), name + " is a table in the snapshot");
                long srcRows = Lakehouse.scalar(c, "SELECT count(*) FROM " + src + "." + name);
                assertEquals(srcRows, Lakehouse.scalar(c, "SELECT count(*) FROM dst." + name), "rows of " + name);
                assertEquals(0, Lakehouse.scalar(c, "SELECT count(*) FROM (SELECT * FROM " + src + "." + name
                        + " EXCEPT ALL SELECT * FROM dst." + name + ")"), "source rows missing in snapshot " + name);
                assertEquals(0, Lakehouse.scalar(c, "SELECT count(*) FROM (SELECT * FROM dst." + name
                        + " EXCEPT ALL SELECT * FROM " + src + "." + name + ")"), "extra rows in snapshot " + name);
            }
        }
    }

    static List<List<String>> columns(Connection c, String catalog, String schema, String table) throws SQLException {
        return Lakehouse.rows(c, "SELECT column_name, data_type FROM duckdb_columns() WHERE database_name = '"
                + catalog + "' AND schema_name = '" + schema + "' AND table_name = '" + table
                + "' ORDER BY column_index");
    }

    /** The directory's entries by file name, sorted. */
    static List<String> entries(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList());
        }
    }

    static void assertNoTempFiles(Path dir) throws IOException {
        for (String name : entries(dir)) {
            assertFalse(name.contains(".tmp-") || name.endsWith(".wal"), "leftover in " + dir + ": " + name);
        }
    }
}
