package io.duckserving.jdbc;

import java.lang.management.ManagementFactory;
import java.sql.SQLException;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

/**
 * The DuckDB options of one snapshot configuration: what the user passed through, checked against
 * the contract, plus what the driver forces (read-only, no instance cache, no extension downloads).
 */
final class DuckDbOptions {
    private static final String ACCESS_MODE = "access_mode";
    private static final String READ_ONLY = "duckdb.read_only";
    private static final String INSTANCE_CACHE = "jdbc_instance_cache";
    private static final String PIN_DB = "jdbc_pin_db";
    private static final String EXTERNAL_ACCESS = "enable_external_access";
    private static final String TEMP_DIRECTORY = "temp_directory";
    private static final String MEMORY_LIMIT = "memory_limit";

    /** Passed-through options, keyed by lower-case name; sorted so equal configurations compare equal. */
    private final TreeMap<String, String> options;

    private DuckDbOptions(TreeMap<String, String> options) {
        this.options = options;
    }

    /**
     * Checks the pass-through options and adds the driver's own. {@code passThrough} holds every
     * key that is not a {@link ServingProperty}.
     */
    static DuckDbOptions of(Map<String, String> passThrough, boolean allowExternalAccess, int memoryPercent)
            throws SQLException {
        TreeMap<String, String> opts = new TreeMap<>();
        for (Map.Entry<String, String> e : passThrough.entrySet()) {
            String key = e.getKey().toLowerCase(Locale.ROOT);
            if (opts.put(key, e.getValue()) != null) {
                throw refused(e.getKey(), "is given twice (keys are case-insensitive)", "give it once");
            }
        }
        String accessMode = opts.remove(ACCESS_MODE);
        if (accessMode != null && !accessMode.trim().equalsIgnoreCase("READ_ONLY")) {
            throw refused(ACCESS_MODE, "is '" + accessMode + "' but jdbc:duckdb-serving: is read-only",
                    "remove it or set it to READ_ONLY; write to the lakehouse with jdbc:duckdb: instead");
        }
        String readOnly = opts.remove(READ_ONLY);
        if (readOnly != null && !Boolean.TRUE.equals(parseBoolean(readOnly))) {
            throw refused(READ_ONLY, "is '" + readOnly + "' but jdbc:duckdb-serving: is read-only",
                    "remove it or set it to true");
        }
        refuseTrue(opts, INSTANCE_CACHE, "DuckDB's instance cache is keyed by path and would keep serving the "
                + "replaced file");
        refuseTrue(opts, PIN_DB, "a pinned database would keep every replaced snapshot open");
        String external = opts.remove(EXTERNAL_ACCESS);
        if (external != null && Boolean.TRUE.equals(parseBoolean(external)) && !allowExternalAccess) {
            throw refused(EXTERNAL_ACCESS, "cannot be turned on directly",
                    "set " + ServingProperty.ALLOW_EXTERNAL_ACCESS.getName() + "=true instead");
        }
        if (opts.containsKey(TEMP_DIRECTORY)) {
            throw refused(TEMP_DIRECTORY, "would be shared by every snapshot of the file",
                    "set " + ServingProperty.SPILL_DIRECTORY.getName() + " instead: each snapshot gets its own "
                            + "sub-directory of it");
        }
        opts.put(ACCESS_MODE, "READ_ONLY");
        opts.put(INSTANCE_CACHE, "false");
        opts.put(PIN_DB, "false");
        opts.put(EXTERNAL_ACCESS, Boolean.toString(allowExternalAccess));
        // Unknown extensions would otherwise be fetched from the network: a stall, then an error.
        opts.putIfAbsent("autoinstall_known_extensions", "false");
        opts.putIfAbsent("autoload_known_extensions", "false");
        opts.putIfAbsent(MEMORY_LIMIT, defaultMemoryLimit(memoryPercent));
        return new DuckDbOptions(opts);
    }

    /** The properties for one DuckDB open, with the snapshot's own spill directory. */
    Properties toProperties(String tempDirectory) {
        Properties props = new Properties();
        props.putAll(options);
        props.setProperty(TEMP_DIRECTORY, tempDirectory);
        return props;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DuckDbOptions && ((DuckDbOptions) o).options.equals(options);
    }

    @Override
    public int hashCode() {
        return options.hashCode();
    }

    @Override
    public String toString() {
        return options.toString();
    }

    /** DuckDB's own boolean spellings; null when the text is none of them. */
    static Boolean parseBoolean(String text) {
        switch (text.trim().toLowerCase(Locale.ROOT)) {
            case "true": case "1": case "yes": case "on":
                return Boolean.TRUE;
            case "false": case "0": case "no": case "off":
                return Boolean.FALSE;
            default:
                return null;
        }
    }

    private static void refuseTrue(Map<String, String> opts, String key, String why) throws SQLException {
        String value = opts.remove(key);
        if (value != null && !Boolean.FALSE.equals(parseBoolean(value))) {
            throw refused(key, "cannot be '" + value + "': " + why, "remove it; the driver manages snapshots itself");
        }
    }

    private static String defaultMemoryLimit(int percent) {
        long total = ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getTotalMemorySize();
        return Math.max(256, total / 100 * percent / (1024 * 1024)) + "MB";
    }

    private static SQLException refused(String key, String problem, String fix) {
        return new SQLException("Option " + key + " " + problem + ": " + fix + ".", SqlStates.INVALID_PARAMETER);
    }
}
