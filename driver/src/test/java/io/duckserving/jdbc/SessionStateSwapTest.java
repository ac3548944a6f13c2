package io.duckserving.jdbc;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static io.duckserving.jdbc.ServingPropertyTest.setting;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLWarning;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.sql.PreparedStatement;
import java.time.Duration;

/** Session state (JDBC setters, SET, USE) replays on the new snapshot; temporary objects pin. */
class SessionStateSwapTest extends PublishedSnapshotTest {
    @Test
    void setSchemaSurvivesSwaps() throws Exception {
        try (Connection c = DriverManager.getConnection(SnapshotFiles.url(target))) {
            c.setSchema("other");
            assertEquals("other", c.getSchema());
            assertEquals(1, otherVersion(c));
            SnapshotFiles.publish(target, 2);
            assertEquals(2, otherVersion(c), "unqualified o resolves in schema other on the new snapshot");
            assertEquals("other", c.getSchema());
            c.setSchema("main");
            SnapshotFiles.publish(target, 3);
            assertEquals(3, SnapshotFiles.readVersion(c), "back in main after the next swap");
        }
    }

    @Test
    void useSurvivesSwaps() throws Exception {
        try (Connection c = DriverManager.getConnection(SnapshotFiles.url(target)); Statement s = c.createStatement()) {
            s.execute("USE other");
            assertEquals(1, otherVersion(c));
            SnapshotFiles.publish(target, 2);
            assertEquals(2, otherVersion(c));
            assertEquals("other", c.getSchema(), "getSchema reflects USE on the new snapshot");
        }
    }

    @Test
    void useOfTheCatalogAsDBeaverSendsItSurvivesSwaps() throws Exception {
        try (Connection c = DriverManager.getConnection(SnapshotFiles.url(target)); Statement s = c.createStatement()) {
            String catalog = c.getCatalog();
            assertNotNull(catalog);
            s.execute("USE \"" + catalog + "\"");
            SnapshotFiles.publish(target, 2);
            assertEquals(2, SnapshotFiles.readVersion(c));
            assertEquals(catalog, c.getCatalog(), "the catalog keeps its name across snapshots of one path");
            s.execute("USE \"" + catalog + "\".other");
            SnapshotFiles.publish(target, 3);
            assertEquals(3, otherVersion(c));
        }
    }

    @Test
    void setTimeZoneSurvivesSwaps() throws Exception {
        try (Connection c = DriverManager.getConnection(SnapshotFiles.url(target)); Statement s = c.createStatement()) {
            s.execute("SET TimeZone='America/New_York'");
            SnapshotFiles.publish(target, 2);
            assertEquals("America/New_York", setting(c, "TimeZone"));
            assertEquals(2, SnapshotFiles.readVersion(c));
            s.execute("SET TimeZone = 'Asia/Tokyo'");
            SnapshotFiles.publish(target, 3);
            assertEquals("Asia/Tokyo", setting(c, "TimeZone"), "the last SET wins after a swap");
        }
    }

    @Test
    void resetSurvivesSwaps() throws Exception {
        String defaultZone;
        try (Connection fresh = DriverManager.getConnection(SnapshotFiles.url(target))) {
            defaultZone = setting(fresh, "TimeZone");
        }
        String other = defaultZone.equals("Asia/Tokyo") ? "America/New_York" : "Asia/Tokyo";
        try (Connection c = DriverManager.getConnection(SnapshotFiles.url(target)); Statement s = c.createStatement()) {
            s.execute("SET TimeZone='" + other + "'");
            s.execute("RESET TimeZone");
            SnapshotFiles.publish(target, 2);
            assertEquals(defaultZone, setting(c, "TimeZone"));
        }
    }

    @Test
    void setSearchPathSurvivesSwaps() throws Exception {
        try (Connection c = DriverManager.getConnection(SnapshotFiles.url(target)); Statement s = c.createStatement()) {
            s.execute("SET search_path = 'other,main'");
            SnapshotFiles.publish(target, 2);
            assertEquals(2, otherVersion(c));
            assertEquals(2, SnapshotFiles.readVersion(c), "t still found through main on the search path");
        }
    }

    @Test
    void sessionSettingsOfOneConnectionDoNotLeakIntoAnother() throws Exception {
        try (Connection a = DriverManager.getConnection(SnapshotFiles.url(target));
             Connection b = DriverManager.getConnection(SnapshotFiles.url(target));
             Statement s = a.createStatement()) {
            String before = setting(b, "TimeZone");
            String other = before.equals("Asia/Tokyo") ? "America/New_York" : "Asia/Tokyo";
            s.execute("SET TimeZone='" + other + "'");
            SnapshotFiles.publish(target, 2);
            assertEquals(other, setting(a, "TimeZone"));
            assertEquals(before, setting(b, "TimeZone"), "SET is per connection, also after both moved");
        }
    }

    @Test
    void clientInfoSurvivesSwaps() throws Exception {
        try (Connection c = DriverManager.getConnection(SnapshotFiles.url(target))) {
            c.setClientInfo("ApplicationName", "serving-tests");
            SnapshotFiles.publish(target, 2);
            assertEquals(2, SnapshotFiles.readVersion(c));
            assertEquals("serving-tests", c.getClientInfo("ApplicationName"));
            assertEquals("serving-tests", c.getClientInfo().getProperty("ApplicationName"));
        }
    }

    @Test
    void temporaryTablePinsTheConnectionWithAWarningUntilDropped() throws Exception {
        try (Connection c = DriverManager.getConnection(SnapshotFiles.url(target)); Statement s = c.createStatement()) {
            assertNull(c.getWarnings());
            s.execute("CREATE TEMP TABLE scratch AS SELECT 42 AS answer");
            SQLWarning warning = c.getWarnings() != null ? c.getWarnings() : s.getWarnings();
            assertNotNull(warning, "pinning the connection to its snapshot must be announced with an SQLWarning");
            assertTrue(warning.getMessage().toLowerCase(java.util.Locale.ROOT).contains("temp"), warning.getMessage());

            SnapshotFiles.publish(target, 2);
            assertEquals(1, SnapshotFiles.readVersion(c), "pinned: the temporary table lives on snapshot 1");
            assertEquals(42, answer(s), "the temporary table is still there");
            SnapshotFiles.publish(target, 3);
            assertEquals(1, SnapshotFiles.readVersion(c));

            s.execute("DROP TABLE scratch");
            assertEquals(3, SnapshotFiles.readVersion(c), "unpinned once the temporary table is dropped");
        }
    }

    @Test
    void temporaryTablesDoNotPinOtherConnections() throws Exception {
        try (Connection pinned = DriverManager.getConnection(SnapshotFiles.url(target));
             Connection other = DriverManager.getConnection(SnapshotFiles.url(target));
             Statement s = pinned.createStatement()) {
            s.execute("CREATE TEMP TABLE scratch AS SELECT 42 AS answer");
            SnapshotFiles.publish(target, 2);
            assertEquals(2, SnapshotFiles.readVersion(other));
            assertEquals(1, SnapshotFiles.readVersion(pinned));
        }
    }

    private static int otherVersion(Connection c) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT v FROM o")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    private static int answer(Statement s) throws SQLException {
        try (ResultSet rs = s.executeQuery("SELECT answer FROM scratch")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    @Test
    void idleConnectionWhoseSessionStateCannotBeReplayedStaysUsable() throws Exception {
        try (Connection c = DriverManager.getConnection(SnapshotFiles.url(target))) {
            c.setSchema("other");
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT v FROM o")) {
                assertTrue(rs.next());
                assertEquals(1, rs.getInt(1));
            }
            publishWithoutSchemaOther(2);
            try (Connection other = DriverManager.getConnection(SnapshotFiles.url(target))) {
                assertEquals(2, SnapshotFiles.readVersion(other), "this connection's swap lets go of the idle one");
            }
            try {
                c.createStatement().executeQuery("SELECT 42").close();
            } catch (SQLException once) {
                // Failing once to report the lost schema is acceptable; failing forever is not.
            }
            assertDoesNotThrow(() -> c.setSchema("main"),
                    "the user cannot even reset the schema: every call replays the failing setSchema first");
            assertEquals(2, SnapshotFiles.readVersion(c));
        }
    }

    private void publishWithoutSchemaOther(int version) throws Exception {
        Path temp = SnapshotFiles.tempBeside(target);
        try (Connection w = DriverManager.getConnection("jdbc:duckdb:" + temp); Statement s = w.createStatement()) {
            s.execute("CREATE TABLE t AS SELECT i::INTEGER AS id, " + version + "::INTEGER AS v FROM range("
                    + SnapshotFiles.DEFAULT_ROWS + ") r(i)");
            s.execute("CREATE TABLE meta AS SELECT " + version + "::INTEGER AS version, "
                    + SnapshotFiles.DEFAULT_ROWS + "::BIGINT AS row_count");
            s.execute("CHECKPOINT");
        }
        SnapshotFiles.moveOver(temp, target);
    }

    @Test
    void temporaryTableCreatedAfterTheFirstStatementOfAScriptPinsTheConnection() throws Exception {
        try (Connection c = DriverManager.getConnection(SnapshotFiles.url(target)); Statement s = c.createStatement()) {
            s.execute("SELECT 1; CREATE TEMP TABLE scratch AS SELECT 42 AS answer");
            SnapshotFiles.publish(target, 2);
            assertDoesNotThrow(() -> {
                try (ResultSet rs = s.executeQuery("SELECT answer FROM scratch")) {
                    assertTrue(rs.next());
                }
            }, "the temporary table was lost silently when the connection moved to snapshot 2");
        }
    }

    @Test
    void everySetVariableSurvivesASwap() throws Exception {
        try (Connection c = DriverManager.getConnection(SnapshotFiles.url(target)); Statement s = c.createStatement()) {
            s.execute("SET VARIABLE region = 'north'");
            s.execute("SET VARIABLE year = 2024");
            SnapshotFiles.publish(target, 2);
            assertEquals(2, SnapshotFiles.readVersion(c));
            try (ResultSet rs = s.executeQuery("SELECT getvariable('region'), getvariable('year')")) {
                assertTrue(rs.next());
                assertEquals("north", rs.getString(1), "variable region was lost at the swap");
                assertEquals(2024, rs.getInt(2));
            }
        }
    }

    @Test
    void sqlPreparedStatementsFollowTheConnectionUntilDeallocated() throws Exception {
        try (Connection c = DriverManager.getConnection(SnapshotFiles.url(target)); Statement s = c.createStatement()) {
            s.execute("PREPARE version_of_t AS SELECT max(v) FROM t");
            s.execute("PREPARE \"Plus\" AS SELECT max(v) + ? FROM t");
            s.execute("PREPARE plus AS SELECT max(v) + ?::INTEGER FROM t"); // same name (case folds): replaces it
            assertEquals(1, executed(s, "EXECUTE version_of_t"));
            SnapshotFiles.publish(target, 2);
            assertEquals(2, executed(s, "EXECUTE version_of_t"), "p must follow the connection to snapshot 2");
            assertEquals(12, executed(s, "EXECUTE plus(10)"));
            assertNull(c.getWarnings(), "every prepared statement followed: nothing to warn about");

            s.execute("DEALLOCATE version_of_t");
            s.execute("DEALLOCATE PREPARE Plus");
            SnapshotFiles.publish(target, 3);
            assertEquals(3, SnapshotFiles.readVersion(c));
            for (String execute : new String[] {"EXECUTE version_of_t", "EXECUTE plus(10)"}) {
                SQLException e = org.junit.jupiter.api.Assertions.assertThrows(SQLException.class,
                        () -> executed(s, execute), execute + " after DEALLOCATE");
                assertTrue(e.getMessage().contains("does not exist"), e.getMessage());
            }
        }
    }

    @Test
    void sqlPreparedStatementTheNewSnapshotRefusesIsDroppedWithAWarning() throws Exception {
        try (Connection c = DriverManager.getConnection(SnapshotFiles.url(target)); Statement s = c.createStatement()) {
            s.execute("PREPARE from_other AS SELECT v FROM other.o");
            assertEquals(1, executed(s, "EXECUTE from_other"));
            publishWithoutSchemaOther(2);
            assertEquals(2, SnapshotFiles.readVersion(c));
            SQLWarning warning = c.getWarnings();
            assertNotNull(warning, "losing the prepared statement must be announced");
            assertTrue(warning.getMessage().contains("from_other"), warning.getMessage());
        }
    }

    private static int executed(Statement s, String sql) throws SQLException {
        try (ResultSet rs = s.executeQuery(sql)) {
            assertTrue(rs.next());
            return rs.getInt(1);
        }
    }
}
