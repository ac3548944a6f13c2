package io.duckserving.jdbc;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

/**
 * Raw DuckDB files for tests of what can be at the path, written with DuckDB's own driver (no
 * instance cache, so each file is really opened and closed); {@link SnapshotFiles} writes the
 * versioned snapshots most tests read.
 */
public final class DuckDbFiles {
    private DuckDbFiles() {
    }

    public static Properties writeOptions() {
        Properties p = new Properties();
        p.setProperty("jdbc_instance_cache", "false");
        return p;
    }

    public static Properties readOptions() {
        Properties p = writeOptions();
        p.setProperty("duckdb.read_only", "true");
        return p;
    }

    /** Runs {@code statements} on the DuckDB file {@code file} (created if absent), then closes it. */
    public static void write(Path file, String... statements) throws SQLException {
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:" + file, writeOptions());
             Statement s = c.createStatement()) {
            for (String sql : statements) {
                s.execute(sql);
            }
        }
    }

    /**
     * A file DuckDB opens whatever its tail: {@code rows} random values in table {@code tail},
     * checkpointed after a table that is then dropped, so the last checkpoint ({@code later},
     * then CHECKPOINT) writes the catalog into the freed blocks at the front and {@code tail}'s
     * data is the end of the file.
     */
    public static void writeWithMetadataAtTheFront(Path file, int rows, String tail, String... later) throws SQLException {
        List<String> sql = new ArrayList<>(List.of(
                "CREATE TABLE a AS SELECT random() AS x FROM range(" + rows + ")", "CHECKPOINT",
                "CREATE TABLE " + tail + " AS SELECT random() AS x FROM range(" + rows + ")", "CHECKPOINT",
                "DROP TABLE a", "CHECKPOINT"));
        sql.addAll(List.of(later));
        sql.add("CHECKPOINT");
        write(file, sql.toArray(String[]::new));
    }

    /**
     * Adds the exporter's {@code serving_meta} (its DDL) to {@code file}: one publish row and one
     * row per table, given as SQL tuples {@code ('schema', 'table', rows)}.
     */
    public static void addServingMeta(Path file, String publishId, long totalRows, String tableRows) throws SQLException {
        write(file, "CREATE SCHEMA serving_meta",
                "CREATE TABLE serving_meta.publish (publish_id VARCHAR, published_at TIMESTAMPTZ, source VARCHAR, "
                        + "total_rows BIGINT)",
                "CREATE TABLE serving_meta.tables (schema_name VARCHAR, table_name VARCHAR, row_count BIGINT)",
                "INSERT INTO serving_meta.publish VALUES ('" + publishId + "', now(), 'lake.duckdb', " + totalRows + ")",
                "INSERT INTO serving_meta.tables VALUES " + tableRows,
                "CHECKPOINT");
    }
}
