package io.duckserving.jdbc.snapshot;

/**
 * Names shared by the snapshot engine: the package that opens, follows and retires DuckDB
 * snapshots of a published file. It never uses the JDBC layer above it.
 */
final class Engine {
    /** A child of the driver's logger, so the driver's parent logger covers the engine too. */
    static final String LOGGER_NAME = "io.duckserving.jdbc.snapshot";

    private Engine() {
    }
}
