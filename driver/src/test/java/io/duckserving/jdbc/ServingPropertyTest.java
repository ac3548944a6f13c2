package io.duckserving.jdbc;

import io.duckserving.jdbc.snapshot.DuckDbOptions;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashSet;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The driver's own properties (the enum) and how URL options and Properties reach DuckDB. */
class ServingPropertyTest extends PublishedSnapshotTest {
    @Test
    void namesAreUniqueAndStartWithServing() {
        Set<String> names = new HashSet<>();
        for (ServingProperty p : ServingProperty.values()) {
            assertTrue(names.add(p.getName()), "duplicate property name " + p.getName());
            assertTrue(p.getName().startsWith("serving_"), p.getName() + " must start with serving_ so it never "
                    + "collides with a DuckDB option");
            assertEquals(p.getName().toLowerCase(java.util.Locale.ROOT), p.getName(), "names are lower case");
        }
    }

    @ParameterizedTest
    @EnumSource(ServingProperty.class)
    void everyPropertyIsDescribedAndHasADefault(ServingProperty p) {
        assertTrue(p.getDescription() != null && p.getDescription().trim().length() > 20,
                p.getName() + " needs a real description: it feeds getPropertyInfo and the README");
        assertTrue(p.getDefaultValue() != null, p.getName() + " has no default");
        assertEquals(p, ServingProperty.forName(p.getName()));
        assertEquals(p, ServingProperty.forName(p.getName().toUpperCase(java.util.Locale.ROOT)),
                "keys are case-insensitive as DuckDB's are");
    }

    /** Every default must parse with the property's own typed getter; a new property must be added here. */
    @ParameterizedTest
    @EnumSource(ServingProperty.class)
    void everyDefaultParsesWithItsTypedGetter(ServingProperty p) throws SQLException {
        Properties empty = new Properties();
        switch (p) {
            case CHECK_INTERVAL_MS:
            case RETRY_INTERVAL_MS:
            case MAX_STALENESS_MS:
            case WATCH_INTERVAL_MS:
                assertTrue(p.getLong(empty) >= 0);
                break;
            case ALLOW_EXTERNAL_ACCESS:
                assertFalse(p.getBoolean(empty), "external access is off by default");
                break;
            case ALLOW_INSTANCE_SETTINGS:
                assertFalse(p.getBoolean(empty), "instance-wide settings are locked by default");
                break;
            case LOG_UNCLOSED_CONNECTIONS:
                assertFalse(p.getBoolean(empty));
                break;
            case OPEN_TIMEOUT_MS:
                assertTrue(p.getPositiveLong(empty) >= 1000, "an open may take a second the first time in a JVM");
                break;
            case MEMORY_LIMIT_PERCENT:
                int percent = p.getPercent(empty);
                assertTrue(percent >= 1 && percent <= 50, "two snapshots live during a swap: " + percent);
                break;
            case SPILL_DIRECTORY:
                assertEquals(p.getDefaultValue(), p.get(empty));
                break;
            case MAX_LAG_MS:
                assertEquals(0, p.getLong(empty), "strict by default: no statement reads a replaced snapshot");
                break;
            case WARMUP_STATEMENTS:
                assertTrue(p.getLongAtMost(empty, 256) > 0, "warm-ups replay recent queries by default");
                break;
            case WARMUP_MS:
                assertTrue(p.getLong(empty) > 0, "warm-ups are on by default");
                break;
            case WARMUP_MAX_CPU_PERCENT:
                assertTrue(p.getPercent(empty) < 100, "warm-ups give way to readers on busy cores by default");
                break;
            case WARMUP_SQL:
                assertEquals(List.of(), p.getReadQueries(empty));
                break;
            case REPLICA_DIR:
            case S3_ENDPOINT:
            case S3_REGION:
                assertEquals("", p.get(empty), "empty: a documented default or the AWS SDK's own settings");
                break;
            case S3_PATH_STYLE:
                assertFalse(p.getBoolean(empty), "virtual-hosted style, as AWS itself, by default");
                break;
            case POLL_INTERVAL_MS:
                assertTrue(p.getPositiveLong(empty) >= 1000, "a few seconds: each poll is a GET request");
                break;
            case REPLICA_HANDOFF_MS:
                assertEquals(1000, p.getLongAtMost(empty, 600_000), "as the exporter's --handoff default");
                break;
            default:
                throw new AssertionError("new property " + p.getName() + ": add its typed getter to this test");
        }
    }

    @Test
    void documentedDefaults() {
        assertEquals("0", ServingProperty.CHECK_INTERVAL_MS.getDefaultValue());
        assertEquals("1000", ServingProperty.RETRY_INTERVAL_MS.getDefaultValue());
        assertEquals("0", ServingProperty.MAX_STALENESS_MS.getDefaultValue());
        assertEquals("false", ServingProperty.ALLOW_EXTERNAL_ACCESS.getDefaultValue());
    }

    @ParameterizedTest
    @ValueSource(strings = {"abc", "-1", "1.5", ""})
    void badNumberIsRefusedWith22023NamingTheProperty(String value) {
        Properties props = new Properties();
        props.setProperty("serving_check_interval_ms", value);
        SQLException e = assertThrows(SQLException.class, () -> ServingProperty.CHECK_INTERVAL_MS.getLong(props));
        assertEquals("22023", e.getSQLState());
        assertTrue(e.getMessage().contains("serving_check_interval_ms"), e.getMessage());
    }

    @Test
    void badBooleanIsRefusedWith22023NamingTheProperty() {
        Properties props = new Properties();
        props.setProperty("serving_allow_external_access", "maybe");
        SQLException e = assertThrows(SQLException.class, () -> ServingProperty.ALLOW_EXTERNAL_ACCESS.getBoolean(props));
        assertEquals("22023", e.getSQLState());
        assertTrue(e.getMessage().contains("serving_allow_external_access"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"serving_check_interval_ms=abc", "serving_retry_interval_ms=-5",
            "serving_max_staleness_ms=soon", "serving_allow_external_access=maybe", "serving_memory_limit_percent=0",
            "serving_memory_limit_percent=101", "serving_open_timeout_ms=0", "serving_log_unclosed_connections=maybe",
            "serving_allow_instance_settings=perhaps", "serving_max_lag_ms=-1", "serving_warmup_statements=257",
            "serving_warmup_ms=soon", "serving_warmup_max_cpu_percent=0", "serving_warmup_sql=COPY t TO 'x.csv'", "serving_warmup_sql=SET threads=1"})
    void badValueInTheUrlFailsTheConnectWith22023NamingTheProperty(String option) {
        SQLException e = assertThrows(SQLException.class,
                () -> DriverManager.getConnection(SnapshotFiles.url(target, option)).close());
        assertEquals("22023", e.getSQLState(), e.toString());
        String name = option.substring(0, option.indexOf('='));
        assertTrue(e.getMessage().contains(name), e.getMessage());
    }

    @Test
    void urlOptionsWinOverProperties() throws Exception {
        Properties props = new Properties();
        props.setProperty("threads", "3");
        props.setProperty("serving_check_interval_ms", "not a number");
        try (Connection c = DriverManager.getConnection(
                SnapshotFiles.url(target, "threads=1", "serving_check_interval_ms=0"), props)) {
            assertEquals("1", setting(c, "threads"));
        }
    }

    /** The README's own URL example (Metabase and others pass TimeZone the same way). */
    @Test
    void timeZoneInTheUrlWorksAsTheReadmeShows() throws Exception {
        try (Connection c = DriverManager.getConnection(
                SnapshotFiles.url(target, "threads=4", "TimeZone=UTC", "serving_max_staleness_ms=600000"))) {
            assertEquals("UTC", setting(c, "TimeZone"));
            SnapshotFiles.publish(target, 2);
            assertEquals(2, SnapshotFiles.readVersion(c));
            assertEquals("UTC", setting(c, "TimeZone"), "and after a swap");
        }
    }

    /** The README's property table is the user's reference: every property, with its default. */
    @ParameterizedTest
    @EnumSource(ServingProperty.class)
    void readmeDocumentsEveryPropertyWithItsDefault(ServingProperty p) throws Exception {
        Path readme = Path.of(System.getProperty("user.dir")).resolve("../README.md").normalize();
        String row = Files.readAllLines(readme).stream()
                .filter(line -> line.startsWith("| `" + p.getName() + "` |"))
                .findFirst()
                .orElseThrow(() -> new AssertionError(readme + " has no table row for " + p.getName()));
        if (!p.getDefaultValue().isEmpty()) {
            assertTrue(row.contains("| `" + p.getDefaultValue() + "` |"),
                    "README row for " + p.getName() + " should show default " + p.getDefaultValue() + ": " + row);
        }
    }

    @Test
    void propertiesReachDuckDbWhenTheUrlDoesNotSayOtherwise() throws Exception {
        Properties props = new Properties();
        props.setProperty("threads", "1");
        try (Connection c = DriverManager.getConnection(SnapshotFiles.url(target), props)) {
            assertEquals("1", setting(c, "threads"));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"access_mode=READ_WRITE", "access_mode=automatic", "duckdb.read_only=false",
            "duckdb.read_only=0", "jdbc_instance_cache=true", "jdbc_instance_cache=1", "ACCESS_MODE=read_write",
            "jdbc_pin_db=true", "enable_external_access=true", "temp_directory=/tmp/shared-spill"})
    void contractBreakingUrlOptionsAreRefusedWith22023(String option) {
        SQLException e = assertThrows(SQLException.class,
                () -> DriverManager.getConnection(SnapshotFiles.url(target, option)).close());
        assertEquals("22023", e.getSQLState(), e.toString());
        String key = option.substring(0, option.indexOf('='));
        assertTrue(e.getMessage().toLowerCase(java.util.Locale.ROOT).contains(key.toLowerCase(java.util.Locale.ROOT)),
                "the message should name " + key + ": " + e.getMessage());
    }

    @Test
    void contractBreakingPropertiesAreRefusedWith22023EvenAsBooleanObjects() {
        Properties cache = new Properties();
        cache.put("jdbc_instance_cache", Boolean.TRUE);
        SQLException e = assertThrows(SQLException.class,
                () -> DriverManager.getConnection(SnapshotFiles.url(target), cache).close());
        assertEquals("22023", e.getSQLState(), e.toString());

        Properties readWrite = new Properties();
        readWrite.put("duckdb.read_only", Boolean.FALSE);
        e = assertThrows(SQLException.class,
                () -> DriverManager.getConnection(SnapshotFiles.url(target), readWrite).close());
        assertEquals("22023", e.getSQLState(), e.toString());

        Properties accessMode = new Properties();
        accessMode.setProperty("access_mode", "READ_WRITE");
        e = assertThrows(SQLException.class,
                () -> DriverManager.getConnection(SnapshotFiles.url(target), accessMode).close());
        assertEquals("22023", e.getSQLState(), e.toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"access_mode=READ_ONLY", "access_mode=read_only", "duckdb.read_only=true",
            "duckdb.read_only=1", "duckdb.read_only=yes", "duckdb.read_only=on", "jdbc_instance_cache=false",
            "jdbc_instance_cache=0", "jdbc_instance_cache=no", "jdbc_instance_cache=off"})
    void optionsThatAgreeWithTheContractAreAccepted(String option) throws Exception {
        try (Connection c = DriverManager.getConnection(SnapshotFiles.url(target, option))) {
            assertEquals(1, SnapshotFiles.readVersion(c));
        }
    }

    @Test
    void booleanObjectsInPropertiesAreAccepted() throws Exception {
        Properties props = new Properties();
        props.put("duckdb.read_only", Boolean.TRUE);
        props.put("serving_allow_external_access", Boolean.FALSE);
        try (Connection c = DriverManager.getConnection(SnapshotFiles.url(target), props)) {
            assertEquals(1, SnapshotFiles.readVersion(c));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"true", "1", "yes", "on", "TRUE", "Yes"})
    void externalAccessTurnsOnWithEveryDuckDbSpellingOfTrue(String value) throws Exception {
        Path csv = dir.resolve("numbers.csv");
        Files.writeString(csv, "n\n1\n2\n3\n");
        try (Connection c = DriverManager.getConnection(SnapshotFiles.url(target, "serving_allow_external_access=" + value));
             Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT sum(n) FROM read_csv('" + csv + "')")) {
            rs.next();
            assertEquals(6, rs.getInt(1));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"false", "0", "no", "off"})
    void externalAccessStaysOffWithEveryDuckDbSpellingOfFalse(String value) throws Exception {
        Path csv = dir.resolve("numbers.csv");
        Files.writeString(csv, "n\n1\n2\n3\n");
        try (Connection c = DriverManager.getConnection(SnapshotFiles.url(target, "serving_allow_external_access=" + value));
             Statement s = c.createStatement()) {
            assertThrows(SQLException.class, () -> s.executeQuery("SELECT sum(n) FROM read_csv('" + csv + "')").close());
        }
    }

    static String setting(Connection c, String name) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT current_setting('" + name + "')")) {
            rs.next();
            return rs.getString(1);
        }
    }

    @Test
    void aMisspelledDriverPropertyIsRefusedWithTheListOfRealOnes() {
        SQLException e = assertThrows(SQLException.class,
                () -> DriverManager.getConnection(SnapshotFiles.url(target, "serving_chek_interval_ms=5")));
        assertEquals("22023", e.getSQLState());
        assertTrue(e.getMessage().contains("serving_chek_interval_ms")
                && e.getMessage().contains(ServingProperty.CHECK_INTERVAL_MS.getName()), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"thread=4", "threads=abc", "memory_limit=lots"})
    void anOptionDuckDbRefusesIsReportedAsABadOptionNotABadFile(String option) {
        SQLException e = assertThrows(SQLException.class,
                () -> DriverManager.getConnection(SnapshotFiles.url(target, option)));
        assertEquals("22023", e.getSQLState(), e.getMessage());
        assertTrue(e.getMessage().contains(option.substring(0, option.indexOf('='))), e.getMessage());
        assertTrue(e.getMessage().contains("URL"), "says where to fix it: " + e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"false", "off", "0", "no", "FALSE", "true", "on", "1", "yes"})
    void jdbcAutoCommitSetsTheInitialAutoCommitAsInDuckDbsDriver(String value) throws Exception {
        boolean expected = DuckDbOptions.parseBoolean(value);
        Properties props = new Properties();
        props.setProperty("jdbc_auto_commit", value);
        try (Connection url = DriverManager.getConnection(SnapshotFiles.url(target, "jdbc_auto_commit=" + value));
             Connection properties = DriverManager.getConnection(SnapshotFiles.url(target), props)) {
            for (Connection c : new Connection[] {url, properties}) {
                assertEquals(expected, c.getAutoCommit());
                assertEquals(expected, c.unwrap(org.duckdb.DuckDBConnection.class).getAutoCommit(),
                        "DuckDB's connection underneath agrees");
            }
            // And it behaves so: a transaction keeps its snapshot until commit, auto-commit follows at once.
            assertEquals(1, SnapshotFiles.readVersion(url));
            SnapshotFiles.publish(target, 2);
            assertEquals(expected ? 2 : 1, SnapshotFiles.readVersion(url));
            if (!expected) {
                url.commit();
                assertEquals(2, SnapshotFiles.readVersion(url));
            }
            url.setAutoCommit(!expected);
            assertEquals(!expected, url.getAutoCommit(), "the option sets only the initial value");
        }
    }

    @Test
    void jdbcAutoCommitAsABooleanObjectInPropertiesIsAccepted() throws Exception {
        Properties props = new Properties();
        props.put("jdbc_auto_commit", Boolean.FALSE);
        try (Connection c = DriverManager.getConnection(SnapshotFiles.url(target), props)) {
            assertFalse(c.getAutoCommit());
        }
    }

    @Test
    void aBadJdbcAutoCommitIsRefusedWith22023NamingTheOption() {
        SQLException e = assertThrows(SQLException.class,
                () -> DriverManager.getConnection(SnapshotFiles.url(target, "jdbc_auto_commit=maybe")).close());
        assertEquals("22023", e.getSQLState(), e.toString());
        assertTrue(e.getMessage().contains("jdbc_auto_commit") && e.getMessage().contains("maybe"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"TimeZone=Europe/Pariss", "timezone=Mars/Olympus_Mons", "Calendar=gregorianx"})
    void anUnknownTimeZoneOrCalendarFailsTheConnectWith22023NamingOptionAndValue(String option) {
        String key = option.substring(0, option.indexOf('='));
        String value = option.substring(option.indexOf('=') + 1);
        Properties props = new Properties();
        props.setProperty(key, value);
        for (SQLException e : new SQLException[] {
                assertThrows(SQLException.class, () -> DriverManager.getConnection(SnapshotFiles.url(target, option)).close()),
                assertThrows(SQLException.class, () -> DriverManager.getConnection(SnapshotFiles.url(target), props).close())}) {
            assertEquals("22023", e.getSQLState(), e.toString());
            assertTrue(e.getMessage().contains(key) && e.getMessage().contains(value), e.getMessage());
        }
    }
}
