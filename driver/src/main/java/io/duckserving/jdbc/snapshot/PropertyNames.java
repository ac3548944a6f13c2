package io.duckserving.jdbc.snapshot;

/**
 * The names of the driver's URL properties that the engine's messages point users to. The JDBC
 * layer's property enum takes its names from here, so a message can never name a property that
 * does not exist.
 */
public final class PropertyNames {
    public static final String CHECK_INTERVAL_MS = "serving_check_interval_ms";
    public static final String RETRY_INTERVAL_MS = "serving_retry_interval_ms";
    public static final String MAX_STALENESS_MS = "serving_max_staleness_ms";
    public static final String WATCH_INTERVAL_MS = "serving_watch_interval_ms";
    public static final String ALLOW_EXTERNAL_ACCESS = "serving_allow_external_access";
    public static final String ALLOW_INSTANCE_SETTINGS = "serving_allow_instance_settings";
    public static final String OPEN_TIMEOUT_MS = "serving_open_timeout_ms";
    public static final String SPILL_DIRECTORY = "serving_spill_directory";
    public static final String MEMORY_LIMIT_PERCENT = "serving_memory_limit_percent";

    private PropertyNames() {
    }
}
