package io.duckserving.jdbc.snapshot;

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
public final class DuckDbOptions {
    /**
     * Option names whose values are secrets (DuckDB's {@code s3_secret_access_key}, a password, a
     * token, a connection string): their values are shown as {@value #REDACTED} wherever the driver
     * names options (errors, the metrics' names).
     */
    private static final java.util.regex.Pattern SECRET_NAME = java.util.regex.Pattern.compile(
            "(?i).*(secret|token|password|passwd|credential|access_key|key_id|connection_string|private_key).*");
    public static final String REDACTED = "***";
    private static final String ACCESS_MODE = "access_mode";
    private static final String READ_ONLY = "duckdb.read_only";
    private static final String INSTANCE_CACHE = "jdbc_instance_cache";
    private static final String PIN_DB = "jdbc_pin_db";
    private static final String EXTERNAL_ACCESS = "enable_external_access";
    private static final String TEMP_DIRECTORY = "temp_directory";
    private static final String MEMORY_LIMIT = "memory_limit";
    private static final String THREADS = "threads";
    /**
     * Options that would let SQL reach files (DuckDB's own allow-lists and file-system switches) or
     * undo the settings lock: the driver sets these itself, from its own properties.
     */
    private static final java.util.Set<String> DRIVER_OWNED = java.util.Set.of("allowed_directories", "allowed_paths",
            "allowed_configs", "lock_configuration", "disabled_filesystems");
    /** More worker threads than this per core only costs memory and context switches. */
    static final int MAX_THREADS_PER_CORE = 4;

    /** Passed-through options, keyed by lower-case name; sorted so equal configurations compare equal. */
    private final TreeMap<String, String> options;

    private final boolean externalAccess;
    private final boolean instanceSettings;

    private DuckDbOptions(TreeMap<String, String> options, boolean externalAccess, boolean instanceSettings) {
        this.options = options;
        this.externalAccess = externalAccess;
        this.instanceSettings = instanceSettings;
    }

    /**
     * Checks the pass-through options and adds the driver's own. {@code passThrough} holds every
     * key that is not a {@link ServingProperty}.
     */
    public static DuckDbOptions of(Map<String, String> passThrough, boolean allowExternalAccess, int memoryPercent)
            throws SQLException {
        return of(passThrough, allowExternalAccess, false, memoryPercent);
    }

    public static DuckDbOptions of(Map<String, String> passThrough, boolean allowExternalAccess,
            boolean allowInstanceSettings, int memoryPercent) throws SQLException {
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
                    "set " + PropertyNames.ALLOW_EXTERNAL_ACCESS + "=true instead");
        }
        for (String owned : DRIVER_OWNED) {
            if (opts.containsKey(owned)) {
                throw refused(owned, "would open the file system to SQL or unlock instance-wide settings",
                        "remove it; set " + PropertyNames.ALLOW_EXTERNAL_ACCESS + "=true to let SQL reach "
                                + "files, or " + PropertyNames.ALLOW_INSTANCE_SETTINGS
                                + "=true to let it change instance-wide settings");
            }
        }
        String threads = opts.get(THREADS);
        if (threads != null) {
            checkThreads(threads);
        }
        String memory = opts.get(MEMORY_LIMIT);
        if (memory != null) {
            checkMemoryLimit(memory);
        }
        if (opts.containsKey(TEMP_DIRECTORY)) {
            throw refused(TEMP_DIRECTORY, "would be shared by every snapshot of the file",
                    "set " + PropertyNames.SPILL_DIRECTORY + " instead: each snapshot gets its own "
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
        return new DuckDbOptions(opts, allowExternalAccess, allowInstanceSettings);
    }

    private static void checkThreads(String value) throws SQLException {
        int max = MAX_THREADS_PER_CORE * Runtime.getRuntime().availableProcessors();
        long n;
        try {
            n = Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            throw refused(THREADS, "is '" + value + "', not a whole number", "give 1 to " + max);
        }
        if (n < 1 || n > max) {
            throw refused(THREADS, "is " + n + ", outside 1 to " + max + " (" + MAX_THREADS_PER_CORE
                    + " per core of this machine)", "give 1 to " + max);
        }
    }

    /** DuckDB reads a negative limit as "no limit" and a limit beyond RAM invites the OOM killer. */
    private static void checkMemoryLimit(String value) throws SQLException {
        java.util.regex.Matcher m = java.util.regex.Pattern
                .compile("(?i)\\s*(\\d+(?:\\.\\d+)?)\\s*(b|bytes|kb|kib|mb|mib|gb|gib|tb|tib|%)?\\s*").matcher(value);
        String fix = "give a size such as 512MB or 4GB, or a percentage such as 40%, up to the machine's memory";
        if (!m.matches()) {
            throw refused(MEMORY_LIMIT, "is '" + value + "', not a size", fix);
        }
        double number = Double.parseDouble(m.group(1));
        String unit = m.group(2) == null ? "b" : m.group(2).toLowerCase(Locale.ROOT);
        if (unit.equals("%")) {
            if (number <= 0 || number > 100) {
                throw refused(MEMORY_LIMIT, "is " + value.trim() + ", not a percentage between 0 and 100", fix);
            }
            return;
        }
        double bytes = number * unitBytes(unit);
        long total = totalMemory();
        if (bytes < 16L * 1024 * 1024 || bytes > total) {
            throw refused(MEMORY_LIMIT, "is " + value.trim() + ", outside 16MB to this machine's "
                    + total / (1024 * 1024) + "MB", fix);
        }
    }

    private static double unitBytes(String unit) {
        switch (unit) {
            case "kb": return 1e3;
            case "kib": return 1024d;
            case "mb": return 1e6;
            case "mib": return 1024d * 1024;
            case "gb": return 1e9;
            case "gib": return 1024d * 1024 * 1024;
            case "tb": return 1e12;
            case "tib": return 1024d * 1024 * 1024 * 1024;
            default: return 1;
        }
    }

    private static long totalMemory() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getTotalMemorySize();
    }

    /** SQL may reach no file at all: the snapshot must be opened through a private name. */
    boolean externalAccess() {
        return externalAccess;
    }

    /** Whether SQL may change instance-wide settings; otherwise the configuration is locked after the open. */
    boolean instanceSettings() {
        return instanceSettings;
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
        return o instanceof DuckDbOptions && ((DuckDbOptions) o).options.equals(options)
                && ((DuckDbOptions) o).instanceSettings == instanceSettings;
    }

    @Override
    public int hashCode() {
        return options.hashCode() * 2 + (instanceSettings ? 1 : 0);
    }

    @Override
    public String toString() {
        // The metrics' names and attributes show this: a secret passed through must not be in them.
        TreeMap<String, String> shown = new TreeMap<>(options);
        shown.replaceAll((k, v) -> isSecretName(k) ? REDACTED : v);
        return shown.toString();
    }

    /** Whether an option of this name holds a secret, whose value is never shown. */
    public static boolean isSecretName(String name) {
        return SECRET_NAME.matcher(name).matches();
    }

    /** DuckDB's own boolean spellings; null when the text is none of them. */
    public static Boolean parseBoolean(String text) {
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
        long total = totalMemory();
        return Math.max(256, total / 100 * percent / (1024 * 1024)) + "MB";
    }

    private static SQLException refused(String key, String problem, String fix) {
        return new SQLException("Option " + key + " " + problem + ": " + fix + " (in the URL's ;" + key
                + "=... or the connection Properties).", SqlStates.INVALID_PARAMETER);
    }
}
