package io.duckserving.jdbc;

import static io.duckserving.jdbc.ServingPropertyTest.setting;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A reader's SQL cannot change what other readers see: not the published file or its sibling
 * names, not the file system through options, not instance-wide settings. Each test performs the
 * attack for real with default options.
 */
class ReaderSqlIsolationTest extends PublishedSnapshotTest {

    private static byte[] digest(Path file) throws Exception {
        return MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file));
    }

    private static String quoted(Path p) {
        return "'" + p.toString().replace("'", "''") + "'";
    }

    @ParameterizedTest
    @ValueSource(strings = {"", ".wal", ".wal.checkpoint", ".wal.recovery"})
    void copyToThePublishedFileOrItsWalNamesNeverReachesThem(String suffix) throws Exception {
        byte[] before = digest(target);
        Path victim = Path.of(target + suffix);
        try (Connection c = connect(); Statement s = c.createStatement()) {
            try {
                s.execute("COPY (SELECT 'x') TO " + quoted(victim) + " (FORMAT csv, USE_TMP_FILE false)");
            } catch (SQLException refused) {
                // refused or written somewhere private: either way the published names stay untouched
            }
            assertArrayEquals(before, digest(target), "the published file is unchanged");
            assertEquals(suffix.isEmpty(), Files.exists(victim), "no " + suffix + " file appears beside it");
        }
        try (Connection fresh = DriverManager.getConnection("jdbc:duckdb:" + target + ";access_mode=READ_ONLY");
             Statement s = fresh.createStatement(); ResultSet rs = s.executeQuery("SELECT count(*), min(v) FROM t")) {
            rs.next();
            assertEquals(SnapshotFiles.DEFAULT_ROWS, rs.getInt(1), "DuckDB itself still reads every row");
            assertEquals(1, rs.getInt(2));
        }
    }

    @Test
    void aWalPlantedAsABlobNeverAppearsBesideThePublishedFile() throws Exception {
        try (Connection c = connect(); Statement s = c.createStatement()) {
            try {
                s.execute("COPY (SELECT 'not a wal'::BLOB AS content) TO " + quoted(Path.of(target + ".wal"))
                        + " (FORMAT blob, USE_TMP_FILE false)");
            } catch (SQLException refused) {
                // fine
            }
        }
        assertFalse(Files.exists(Path.of(target + ".wal")), "nothing the next open would replay");
        try (Connection next = connect(); Statement s = next.createStatement()) {
            assertEquals(1, SnapshotFiles.readVersion(next));
        }
    }

    @Test
    void thePublishedFileCannotBeReadAsAFile() throws Exception {
        try (Connection c = connect(); Statement s = c.createStatement()) {
            SQLException e = assertThrows(SQLException.class,
                    () -> s.executeQuery("SELECT content FROM read_blob(" + quoted(target) + ")").next());
            assertTrue(e.getMessage().contains("Permission") || e.getMessage().contains("disabled"), e.getMessage());
            assertThrows(SQLException.class, () -> s.executeQuery("SELECT * FROM read_text('/etc/hostname')").next());
        }
    }

    @Test
    void otherFilesAndExtensionsAreOutOfReach() throws Exception {
        Path other = dir.resolve("other.duckdb");
        SnapshotFiles.write(other, 7, 10);
        Path out = dir.resolve("out.csv");
        try (Connection c = connect(); Statement s = c.createStatement()) {
            for (String sql : new String[] {"ATTACH " + quoted(other) + " AS other_db (READ_ONLY)",
                    "INSTALL httpfs", "LOAD " + quoted(dir.resolve("x.duckdb_extension")),
                    "COPY (SELECT 1) TO " + quoted(out), "SELECT * FROM read_csv(" + quoted(other) + ")"}) {
                assertThrows(SQLException.class, () -> s.execute(sql), sql);
            }
        }
        assertFalse(Files.exists(out), "no file written beside the published one");
    }

    @ParameterizedTest
    @ValueSource(strings = {"allowed_directories=[/etc]", "allowed_paths=[/etc/hostname]", "lock_configuration=false",
            "allowed_configs=[threads]", "disabled_filesystems="})
    void optionsThatOpenTheFileSystemOrTheLockAreRefused(String option) {
        SQLException e = assertThrows(SQLException.class, () -> connect(option).close());
        assertEquals("22023", e.getSQLState(), e.getMessage());
        assertTrue(e.getMessage().contains(option.substring(0, option.indexOf('='))), e.getMessage());
        assertTrue(e.getMessage().contains(ServingProperty.ALLOW_EXTERNAL_ACCESS.getName()), e.getMessage());
        Properties p = new Properties();
        p.setProperty(option.substring(0, option.indexOf('=')), option.substring(option.indexOf('=') + 1));
        SQLException viaProperties = assertThrows(SQLException.class,
                () -> DriverManager.getConnection(SnapshotFiles.url(target), p).close());
        assertEquals("22023", viaProperties.getSQLState());
    }

    @ParameterizedTest
    @ValueSource(strings = {"SET memory_limit = '2MB'", "SET threads = 30000", "SET lock_configuration = true",
            "PRAGMA threads = 3", "PRAGMA memory_limit = '2MB'", "CALL enable_logging('QueryLog')",
            "SELECT * FROM enable_logging()", "PRAGMA enable_profiling", "SET enable_profiling = 'json'",
            "SET log_query_path = '/tmp/q.log'", "SET enable_progress_bar_print = true", "SET enable_progress_bar = true",
            "SET GLOBAL TimeZone = 'Asia/Tokyo'", "RESET GLOBAL TimeZone", "SELECT 1; SET GLOBAL search_path = 'other'",
            "SELECT $a$'$a$; SET/**/GLOBAL TimeZone = 'Asia/Tokyo'; --'"})
    void instanceWideSettingsAreRefusedAndOthersKeepWorking(String sql) throws Exception {
        try (Connection attacker = connect(); Connection other = connect(); Statement a = attacker.createStatement()) {
            String threads = setting(other, "threads");
            String memory = setting(other, "memory_limit");
            String zone = setting(other, "TimeZone");
            String logging = setting(other, "enable_logging");
            SQLException e = assertThrows(SQLException.class, () -> a.execute(sql));
            assertEquals("42501", e.getSQLState(), e.getMessage());
            assertTrue(e.getMessage().contains(ServingProperty.ALLOW_INSTANCE_SETTINGS.getName()), e.getMessage());
            assertEquals(threads, setting(other, "threads"));
            assertEquals(memory, setting(other, "memory_limit"));
            assertEquals(logging, setting(other, "enable_logging"));
            assertEquals(zone, setting(other, "TimeZone"));
            assertEquals(1, SnapshotFiles.readVersion(other));
        }
        try (Connection later = connect("TimeZone=America/New_York")) {
            assertEquals("America/New_York", setting(later, "TimeZone"), "a later connection's TimeZone still applies");
        }
    }

    @Test
    void theMessageNamesTheSettingAndSaysToUseAUrlOption() throws Exception {
        try (Connection c = connect(); Statement s = c.createStatement()) {
            SQLException e = assertThrows(SQLException.class, () -> s.execute("SET memory_limit = '2MB'"));
            assertTrue(e.getMessage().contains("memory_limit") && e.getMessage().contains("URL option"), e.getMessage());
            assertTrue(e instanceof java.sql.SQLInvalidAuthorizationSpecException);
        }
    }

    @Test
    void sessionSettingsKeepWorkingAndFollowASwap() throws Exception {
        try (Connection c = connect(); Statement s = c.createStatement()) {
            s.execute("SET TimeZone = 'Asia/Tokyo'");
            s.execute("SET SESSION search_path = 'other,main'");
            s.execute("SET default_null_order = 'nulls_first'");
            SnapshotFiles.publish(target, 2);
            assertEquals(2, SnapshotFiles.readVersion(c));
            assertEquals("Asia/Tokyo", setting(c, "TimeZone"));
            assertEquals("other,main", setting(c, "search_path"));
            SQLException e = assertThrows(SQLException.class, () -> s.execute("SET threads = 1"));
            assertEquals("42501", e.getSQLState(), "the new snapshot is locked too");
        }
    }

    @Test
    void aTrustedSetupMayChangeInstanceSettings() throws Exception {
        try (Connection c = connect("serving_allow_instance_settings=true"); Statement s = c.createStatement()) {
            s.execute("SET threads = 1");
            assertEquals("1", setting(c, "threads"));
            s.execute("SET GLOBAL TimeZone = 'Asia/Tokyo'");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"threads=30000", "threads=0", "threads=-1", "memory_limit=-5GB", "memory_limit=1KB",
            "memory_limit=100000TB", "memory_limit=lots", "memory_limit=150%"})
    void threadsAndMemoryLimitOptionsOutsideSaneBoundsAreRefused(String option) {
        SQLException e = assertThrows(SQLException.class, () -> connect(option).close());
        assertEquals("22023", e.getSQLState(), e.getMessage());
        assertTrue(e.getMessage().contains(option.substring(0, option.indexOf('='))), e.getMessage());
    }

    @Test
    void saneThreadsAndMemoryLimitOptionsApply() throws Exception {
        try (Connection c = connect("threads=2", "memory_limit=512MB")) {
            assertEquals("2", setting(c, "threads"));
            assertTrue(setting(c, "memory_limit").startsWith("488") || setting(c, "memory_limit").contains("MiB"),
                    setting(c, "memory_limit"));
        }
    }
}
