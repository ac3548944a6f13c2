package io.duckserving.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLWarning;
import java.sql.Statement;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/** Temporary objects are never lost silently at a swap: whatever created them, the connection stays pinned. */
class TemporaryObjectsSwapTest extends PublishedSnapshotTest {
    @Test
    void scriptThatFailsAfterCreatingATemporaryTablePinsTheConnection() throws Exception {
        try (Connection c = DriverManager.getConnection(SnapshotFiles.url(target)); Statement s = c.createStatement()) {
            assertThrows(SQLException.class,
                    () -> s.execute("CREATE TEMP TABLE x AS SELECT 42 AS answer; SELECT * FROM missing"));
            assertPinWarning(c);

            SnapshotFiles.publish(target, 2);
            assertEquals(1, SnapshotFiles.readVersion(c), "pinned: x lives on snapshot 1");
            assertEquals(42, single(c, "SELECT answer FROM x"), "x was lost silently at the swap");

            s.execute("DROP TABLE x");
            assertEquals(2, SnapshotFiles.readVersion(c), "unpinned once x is dropped");
        }
    }

    @Test
    void preparedScriptThatFailsAfterCreatingATemporaryTablePinsTheConnection() throws Exception {
        try (Connection c = DriverManager.getConnection(SnapshotFiles.url(target));
             PreparedStatement ps = c.prepareStatement("CREATE TEMP TABLE x AS SELECT 42 AS answer; "
                     + "SELECT error('boom')")) {
            assertThrows(SQLException.class, ps::execute);
            assertPinWarning(c);
            SnapshotFiles.publish(target, 2);
            assertEquals(42, single(c, "SELECT answer FROM x"), "x was lost silently at the swap");
        }
    }

    @Test
    void temporaryTableCreatedWhilePreparingAScriptPinsTheConnection() throws Exception {
        // DuckDB runs every statement of a script but the last while preparing it.
        try (Connection c = DriverManager.getConnection(SnapshotFiles.url(target));
             PreparedStatement ps = c.prepareStatement("CREATE TEMP TABLE x AS SELECT 42 AS answer; SELECT 1")) {
            assertPinWarning(c);
            SnapshotFiles.publish(target, 2);
            assertEquals(42, single(c, "SELECT answer FROM x"), "x was lost silently at the swap");
            assertEquals(1, SnapshotFiles.readVersion(c));
        }
    }

    @Test
    void temporaryTypeKeepsTheConnectionPinnedAfterAnotherDrop() throws Exception {
        try (Connection c = DriverManager.getConnection(SnapshotFiles.url(target)); Statement s = c.createStatement()) {
            s.execute("CREATE TEMP TYPE mood AS ENUM ('sad', 'happy')");
            s.execute("CREATE TEMP TABLE scratch AS SELECT 1 AS a");
            s.execute("DROP TABLE scratch");
            SnapshotFiles.publish(target, 2);
            assertEquals(1, single(c, "SELECT enum_code('happy'::mood)"), "the temporary type was lost at the swap");
            assertEquals(1, SnapshotFiles.readVersion(c), "pinned by the type alone");
        }
    }

    @Test
    void temporaryTypeAloneDoesNotLetADropUnpin() throws Exception {
        try (Connection c = DriverManager.getConnection(SnapshotFiles.url(target)); Statement s = c.createStatement()) {
            s.execute("CREATE TEMP TABLE scratch AS SELECT 1 AS a");
            s.execute("CREATE TEMP TYPE mood AS ENUM ('sad', 'happy')");
            s.execute("DROP TABLE scratch");
            SnapshotFiles.publish(target, 2);
            assertEquals(1, single(c, "SELECT enum_code('happy'::mood)"));
            s.execute("DROP TYPE mood");
            assertEquals(2, SnapshotFiles.readVersion(c), "unpinned once the last temporary object is gone");
        }
    }

    @Test
    void temporaryMacrosViewsAndSequencesEachKeepThePin() throws Exception {
        String[][] objects = {
            {"CREATE TEMP MACRO plus_one(x) AS x + 1", "SELECT plus_one(1)", "DROP MACRO plus_one"},
            {"CREATE TEMP MACRO two() AS TABLE SELECT 2 AS a", "SELECT a FROM two()", "DROP MACRO TABLE two"},
            {"CREATE TEMP VIEW two_view AS SELECT 2 AS a", "SELECT a FROM two_view", "DROP VIEW two_view"},
            {"CREATE TEMP SEQUENCE seq START 2", "SELECT nextval('seq')", "DROP SEQUENCE seq"},
        };
        int version = 1;
        for (String[] object : objects) {
            try (Connection c = DriverManager.getConnection(SnapshotFiles.url(target));
                 Statement s = c.createStatement()) {
                s.execute(object[0]);
                s.execute("CREATE TEMP TABLE scratch AS SELECT 1 AS a");
                s.execute("DROP TABLE scratch");
                SnapshotFiles.publish(target, ++version);
                assertEquals(2, single(c, object[1]), object[0] + " was lost at the swap");
                s.execute(object[2]);
                assertEquals(version, SnapshotFiles.readVersion(c), "unpinned after " + object[2]);
            }
        }
    }

    private static void assertPinWarning(Connection c) throws SQLException {
        SQLWarning warning = c.getWarnings();
        assertNotNull(warning, "the pin must be announced with an SQLWarning");
        assertTrue(warning.getMessage().toLowerCase(Locale.ROOT).contains("temporary objects"), warning.getMessage());
    }

    private static int single(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            assertTrue(rs.next());
            return rs.getInt(1);
        }
    }
}
