package io.duckserving.jdbc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.DriverPropertyInfo;
import java.sql.SQLException;
import java.util.Arrays;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ServingDriverTest {
    @TempDir
    Path dir;

    private final ServingDriver driver = new ServingDriver();

    @Test
    void acceptsOnlyItsOwnUrls() throws SQLException {
        assertTrue(driver.acceptsURL("jdbc:duckdb-serving:/data/analytics.duckdb"));
        assertTrue(driver.acceptsURL("jdbc:duckdb-serving:/data/analytics.duckdb;threads=1"));
        assertFalse(driver.acceptsURL("jdbc:duckdb:/data/analytics.duckdb"));
        assertFalse(driver.acceptsURL("jdbc:postgresql://localhost/db"));
        assertFalse(driver.acceptsURL("jdbc:duckdb-servingX:/data/analytics.duckdb"));
    }

    @Test
    void connectReturnsNullForForeignUrls() throws SQLException {
        assertNull(driver.connect("jdbc:duckdb:" + dir.resolve("x.duckdb"), new Properties()));
        assertNull(driver.connect("jdbc:postgresql://localhost/db", new Properties()));
        assertFalse(Files.exists(dir.resolve("x.duckdb")), "a foreign URL must not touch the file");
    }

    @Test
    void driverManagerFindsTheDriverThroughServiceLoader() throws Exception {
        Path target = dir.resolve("analytics.duckdb");
        SnapshotFiles.publish(target, 1);
        assertInstanceOf(ServingDriver.class, DriverManager.getDriver(SnapshotFiles.url(target)));
        try (Connection c = DriverManager.getConnection(SnapshotFiles.url(target))) {
            assertEquals(1, SnapshotFiles.readVersion(c));
        }
    }

    @Test
    void propertyInfoListsEveryServingProperty() throws SQLException {
        DriverPropertyInfo[] info = driver.getPropertyInfo("jdbc:duckdb-serving:/data/analytics.duckdb", new Properties());
        Set<String> names = Arrays.stream(info).map(i -> i.name).collect(Collectors.toSet());
        for (ServingProperty p : ServingProperty.values()) {
            assertTrue(names.contains(p.getName()), "getPropertyInfo misses " + p.getName() + ": " + names);
            DriverPropertyInfo one = Arrays.stream(info).filter(i -> i.name.equals(p.getName())).findFirst().orElseThrow();
            assertEquals(p.getDescription(), one.description, p.getName());
            assertEquals(p.getDefaultValue(), one.value, p.getName() + " with no value given shows its default");
        }
    }

    @Test
    void propertyInfoShowsTheValuesGivenInUrlAndProperties() throws SQLException {
        Properties props = new Properties();
        props.setProperty("serving_retry_interval_ms", "250");
        DriverPropertyInfo[] info = driver.getPropertyInfo(
                "jdbc:duckdb-serving:/data/analytics.duckdb;serving_check_interval_ms=50", props);
        assertEquals("50", valueOf(info, "serving_check_interval_ms"));
        assertEquals("250", valueOf(info, "serving_retry_interval_ms"));
        DriverPropertyInfo external = Arrays.stream(info)
                .filter(i -> i.name.equals("serving_allow_external_access")).findFirst().orElseThrow();
        assertArrayEquals(new String[] {"true", "false"}, external.choices);
    }

    @Test
    void parentLoggerIsTheDriversJulLogger() throws Exception {
        assertNotNull(driver.getParentLogger());
        assertTrue(driver.getParentLogger().getName().startsWith("io.duckserving"),
                driver.getParentLogger().getName());
    }

    @Test
    void versionIsTheArtifactVersion() {
        assertEquals(0, driver.getMajorVersion());
        assertEquals(1, driver.getMinorVersion());
    }

    @Test
    void connectingToAMissingFileFailsWith08001NamingThePathAndDoesNotCreateIt() {
        Path missing = dir.resolve("missing.duckdb");
        SQLException e = assertThrows(SQLException.class,
                () -> DriverManager.getConnection(SnapshotFiles.url(missing)).close());
        assertEquals("08001", e.getSQLState(), e.toString());
        assertTrue(e.getMessage().contains(missing.toString()), "message should name " + missing + ": " + e.getMessage());
        assertFalse(Files.exists(missing), "connecting must never create the file");
        assertFalse(Files.exists(SnapshotFiles.wal(missing)), "connecting must never create a .wal");
    }

    @Test
    void connectingToAFileInAMissingDirectoryFailsWith08001() {
        Path missing = dir.resolve("no-such-dir").resolve("analytics.duckdb");
        SQLException e = assertThrows(SQLException.class,
                () -> DriverManager.getConnection(SnapshotFiles.url(missing)).close());
        assertEquals("08001", e.getSQLState(), e.toString());
        assertTrue(e.getMessage().contains(missing.toString()), e.getMessage());
        assertFalse(Files.exists(missing.getParent()));
    }

    @ParameterizedTest
    @ValueSource(strings = {"junk", "zero-bytes", "truncated"})
    void connectingToABrokenFileFailsWith08001NamingThePathAndLeavesItUnchanged(String kind) throws Exception {
        Path target = dir.resolve("analytics.duckdb");
        switch (kind) {
            case "junk":
                SnapshotFiles.publishJunk(target);
                break;
            case "zero-bytes":
                SnapshotFiles.publishZeroBytes(target);
                break;
            default:
                SnapshotFiles.publishTruncated(target, 1);
        }
        byte[] before = Files.readAllBytes(target);
        SQLException e = assertThrows(SQLException.class,
                () -> DriverManager.getConnection(SnapshotFiles.url(target)).close());
        assertEquals("08001", e.getSQLState(), e.toString());
        assertTrue(e.getMessage().contains(target.toString()), "message should name " + target + ": " + e.getMessage());
        assertArrayEquals(before, Files.readAllBytes(target), "a failed connect must not change the file");
        assertFalse(Files.exists(SnapshotFiles.wal(target)), "a failed connect must not leave a .wal");
    }

    @Test
    void urlWithoutAFileIsRefusedWith08001() {
        for (String url : new String[] {"jdbc:duckdb-serving:", "jdbc:duckdb-serving::memory:"}) {
            SQLException e = assertThrows(SQLException.class, () -> DriverManager.getConnection(url).close(), url);
            assertEquals("08001", e.getSQLState(), url + ": " + e);
        }
    }

    @Test
    void dataSourceConnectsWithUrlAndProperties() throws Exception {
        Path target = dir.resolve("analytics.duckdb");
        SnapshotFiles.publish(target, 4);
        ServingDataSource ds = new ServingDataSource();
        ds.setUrl(SnapshotFiles.url(target));
        Properties props = new Properties();
        props.setProperty("threads", "1");
        ds.setProperties(props);
        try (Connection c = ds.getConnection(); var s = c.createStatement();
             var rs = s.executeQuery("SELECT current_setting('threads')")) {
            rs.next();
            assertEquals(1, rs.getInt(1));
            assertEquals(4, SnapshotFiles.readVersion(c));
        }
    }

    private static String valueOf(DriverPropertyInfo[] info, String name) {
        return Arrays.stream(info).filter(i -> i.name.equals(name)).findFirst().orElseThrow().value;
    }
}
