package io.duckserving.jdbc;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;

/**
 * Run in a second JVM: opens a DuckDB file READ_WRITE (as a pipeline would) and holds its write
 * lock until its standard input closes. Prints {@link #LOCKED} once the lock is held.
 */
public final class WriteLockHolder {
    static final String LOCKED = "LOCKED";

    private WriteLockHolder() {
    }

    public static void main(String[] args) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:" + args[0]); Statement s = c.createStatement()) {
            s.execute("SELECT count(*) FROM t"); // the database really is open
            System.out.println(LOCKED);
            System.out.flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            while (in.readLine() != null) {
                // wait for the test to close our standard input
            }
        }
    }
}
