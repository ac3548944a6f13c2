package io.duckserving.exporter;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;

/**
 * Stands in for a running pipeline in a separate JVM: opens the lakehouse read-write (taking
 * DuckDB's write lock), prints "holding", and lets go when its standard input gets a line or closes.
 */
public final class WriteLockHolder {

    private WriteLockHolder() {
    }

    public static void main(String[] args) throws Exception {
        try (Connection c = Lakehouse.open(Path.of(args[0]), false); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE IF NOT EXISTS staging.pipeline_marker AS SELECT 1 AS x");
            System.out.println("holding");
            System.out.flush();
            System.in.read();
        }
        System.out.println("released");
        System.out.flush();
    }
}
