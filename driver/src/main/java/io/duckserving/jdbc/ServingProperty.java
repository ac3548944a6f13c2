package io.duckserving.jdbc;

import io.duckserving.jdbc.snapshot.DuckDbOptions;
import io.duckserving.jdbc.snapshot.SqlKind;
import io.duckserving.jdbc.snapshot.SqlStates;
import io.duckserving.jdbc.snapshot.PropertyNames;
import java.sql.DriverPropertyInfo;
import java.sql.SQLException;
import java.util.List;
import java.util.Locale;
import java.util.Properties;

/**
 * Every property of the driver itself, with its default and description. Any key not listed
 * here passes through to DuckDB. This enum feeds {@link ServingDriver#getPropertyInfo} and the
 * README's property table.
 */
public enum ServingProperty {
    CHECK_INTERVAL_MS(PropertyNames.CHECK_INTERVAL_MS, "0",
            "How often a connection checks whether a new snapshot was published, in milliseconds. "
                    + "0 checks the file's identity (one stat, ~1.5 us) before every statement; "
                    + "a positive value checks at most once per interval per path."),
    RETRY_INTERVAL_MS(PropertyNames.RETRY_INTERVAL_MS, "1000",
            "After a newly published file failed to open (half-written, not DuckDB, locked, unreadable), "
                    + "wait at least this long before trying the same file again. Readers keep the last good "
                    + "snapshot meanwhile."),
    MAX_STALENESS_MS(PropertyNames.MAX_STALENESS_MS, "0",
            "If the newest published file has failed to open for longer than this, statements fail with "
                    + "an SQLException (SQLState 08006) instead of reading the older snapshot. 0 serves the "
                    + "last good snapshot for as long as it takes."),
    WATCH_INTERVAL_MS(PropertyNames.WATCH_INTERVAL_MS, "1000",
            "Background following while no statement runs: the published file's directory is watched (inotify "
                    + "on Linux: a rename is noticed within milliseconds) and, as a fallback for file systems "
                    + "without events, checked every this many milliseconds. A new file is then opened and warmed "
                    + "before readers need it, and idle connections let go of the replaced one. 0 turns both off. "
                    + "Per path and DuckDB options, the smallest value of its connections applies."),
    MAX_LAG_MS("serving_max_lag_ms", "0",
            "0 (strict): a statement that starts after a new file was renamed over the path never reads the "
                    + "older snapshot; if the new one is not open yet, the statement waits for it. A positive value "
                    + "lets statements keep reading the previous snapshot for at most this long after the driver "
                    + "noticed the new file, while it opens and warms off the readers' path: swaps then cost "
                    + "readers nothing. A transaction always stays on one snapshot."),
    WARMUP_STATEMENTS("serving_warmup_statements", "16",
            "A new snapshot is warmed before it becomes current by running again the most recent distinct read "
                    + "queries (SELECT, WITH, FROM, VALUES...) that connections ran successfully on the previous "
                    + "one, with their parameters and session settings: up to this many per connection (and in "
                    + "all). 0 records none."),
    WARMUP_MS("serving_warmup_ms", "1000",
            "Time budget of a warm-up; a statement still running at its end is cancelled. In strict mode a "
                    + "statement waits for a warm-up at most as long as the open itself took. 0 turns warm-ups off."),
    WARMUP_MAX_CPU_PERCENT("serving_warmup_max_cpu_percent", "75",
            "A warm-up is skipped (the new snapshot becomes current cold) while the machine's CPU load since the "
                    + "previous swap is at or above this percentage: measured on 2 busy cores, a warm-up then slows "
                    + "readers more than the cold queries it saves them. 100 always warms."),
    WARMUP_SQL("serving_warmup_sql", "",
            "Read queries every warm-up runs first, separated by ';' (in a URL, where ';' separates options, "
                    + "one query; pass several through the connection Properties). Empty runs none."),
    ALLOW_EXTERNAL_ACCESS(PropertyNames.ALLOW_EXTERNAL_ACCESS, "false",
            "Allow SQL to reach other files and the network (COPY ... TO, ATTACH, read_csv, INSTALL), the "
                    + "published file and its .wal names included. Off by default because BI tools let their users "
                    + "type any SQL."),
    ALLOW_INSTANCE_SETTINGS(PropertyNames.ALLOW_INSTANCE_SETTINGS, "false",
            "Allow SQL to change settings that act on every connection of the snapshot (SET memory_limit, "
                    + "SET threads, SET GLOBAL ..., logging and profiling). Off by default: a reader's SQL may only "
                    + "change its own session (TimeZone, search_path, ...). Turn on only for trusted single-user "
                    + "setups; set such options in the URL instead."),
    OPEN_TIMEOUT_MS(PropertyNames.OPEN_TIMEOUT_MS, "5000",
            "How long a statement waits for a newly published file to open. After that it runs on the last "
                    + "good snapshot and the file counts as failed (retried after serving_retry_interval_ms); a "
                    + "connection with no snapshot yet fails with 08001. At least 1."),
    LOG_UNCLOSED_CONNECTIONS("serving_log_unclosed_connections", "false",
            "Log where a connection was opened when it is garbage collected without being closed (it is "
                    + "released either way)."),
    SPILL_DIRECTORY(PropertyNames.SPILL_DIRECTORY, "",
            "Root directory for DuckDB's spill files (mode 0700, private to the OS user); each snapshot gets "
                    + "its own sub-directory, removed when the snapshot closes, or by a later JVM when this one was "
                    + "killed. Empty means <java.io.tmpdir>/duckdb-serving-<user>."),
    MEMORY_LIMIT_PERCENT(PropertyNames.MEMORY_LIMIT_PERCENT, "40",
            "Default DuckDB memory_limit per snapshot, as a percentage of physical memory. Two snapshots "
                    + "are open during a swap, so 40 keeps both under DuckDB's usual 80%. An explicit "
                    + "memory_limit option wins."),
    REPLICA_DIR("serving_replica_dir", "",
            "s3:// URLs only: the directory of local replicas. The served file is <dir>/<bucket>/<key>, beside it "
                    + "its lock, state and in-progress download files; JVMs of one host may share it (one downloads, "
                    + "the others follow). Empty means <java.io.tmpdir>/duckdb-serving-replicas-<user>."),
    S3_ENDPOINT("serving_s3_endpoint", "",
            "s3:// URLs only: the object store's endpoint URL (an S3-compatible store such as MinIO or R2). "
                    + "Empty: the AWS SDK's AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL settings, else AWS."),
    S3_REGION("serving_s3_region", "",
            "s3:// URLs only: the region to sign requests for. Empty: the AWS SDK's region chain (AWS_REGION, "
                    + "profile, instance metadata), else us-east-1 when an endpoint is set."),
    S3_PATH_STYLE("serving_s3_path_style", "false",
            "s3:// URLs only: path-style requests (http://host/bucket/key), which most S3-compatible stores need."),
    POLL_INTERVAL_MS("serving_poll_interval_ms", "2000",
            "s3:// URLs only: how often the manifest is polled (a conditional GET) for a new generation. After "
                    + "failures the poll backs off, doubling up to 30 intervals and at most 60 s. At least 1. Per "
                    + "replica, the smallest value of its connections applies."),
    REPLICA_HANDOFF_MS("serving_replica_handoff_ms", "1000",
            "s3:// URLs only: how long a downloaded and verified generation is offered as "
                    + ".<name>.tmp-<id>.handoff (a hard link) before it is renamed over the replica, so the "
                    + "driver in every JVM of the host opens and warms it off its readers' path, as with the "
                    + "exporter's --handoff; it adds as much to the lag. 0 renames at once (statements then wait "
                    + "for the open, as after a rename without handoff). Never on a JVM's first download (its connect waits for it). At most "
                    + "600000. Per replica, the smallest value of its connections applies.");

    private final String name;
    private final String defaultValue;
    private final String description;

    ServingProperty(String name, String defaultValue, String description) {
        this.name = name;
        this.defaultValue = defaultValue;
        this.description = description;
    }

    public String getName() {
        return name;
    }

    public String getDefaultValue() {
        return defaultValue;
    }

    public String getDescription() {
        return description;
    }

    /** The raw value from {@code props}, or the default. */
    public String get(Properties props) {
        String value = props.getProperty(name);
        return value == null ? defaultValue : value.trim();
    }

    public long getLong(Properties props) throws SQLException {
        String value = get(props);
        try {
            long parsed = Long.parseLong(value);
            if (parsed < 0) {
                throw badValue(value, "a whole number of at least 0");
            }
            return parsed;
        } catch (NumberFormatException e) {
            throw badValue(value, "a whole number of at least 0");
        }
    }

    /** {@link #getLong}, at most {@code max}. */
    public long getLongAtMost(Properties props, long max) throws SQLException {
        long value = getLong(props);
        if (value > max) {
            throw badValue(get(props), "a whole number from 0 to " + max);
        }
        return value;
    }

    /** {@link #getLong}, at least 1. */
    public long getPositiveLong(Properties props) throws SQLException {
        long value = getLong(props);
        if (value < 1) {
            throw badValue(get(props), "a whole number of at least 1");
        }
        return value;
    }

    public int getPercent(Properties props) throws SQLException {
        long value = getLong(props);
        if (value < 1 || value > 100) {
            throw badValue(get(props), "a percentage between 1 and 100");
        }
        return (int) value;
    }

    /** The read queries in the value, split at top-level semicolons; anything but a read query is refused. */
    public List<String> getReadQueries(Properties props) throws SQLException {
        List<String> queries = SqlKind.statements(get(props));
        for (String q : queries) {
            if (!SqlKind.isReadQuery(q)) {
                throw badValue(q, "read queries only (SELECT, WITH, FROM, TABLE, VALUES, PIVOT)");
            }
        }
        return List.copyOf(queries);
    }

    public boolean getBoolean(Properties props) throws SQLException {
        String value = get(props);
        Boolean parsed = DuckDbOptions.parseBoolean(value);
        if (parsed == null) {
            throw badValue(value, "true or false (also 1/0, yes/no, on/off)");
        }
        return parsed;
    }

    /** Whether this property applies only to {@code s3://} URLs (it is refused with a local path). */
    public boolean isReplicaOnly() {
        return this == REPLICA_DIR || this == S3_ENDPOINT || this == S3_REGION || this == S3_PATH_STYLE
                || this == POLL_INTERVAL_MS || this == REPLICA_HANDOFF_MS;
    }

    /** The property, if {@code key} names one of ours (case-insensitive, as DuckDB treats its own keys). */
    public static ServingProperty forName(String key) {
        String lower = key.toLowerCase(Locale.ROOT);
        for (ServingProperty p : values()) {
            if (p.name.equals(lower)) {
                return p;
            }
        }
        return null;
    }

    public DriverPropertyInfo toDriverPropertyInfo(Properties props) {
        DriverPropertyInfo info = new DriverPropertyInfo(name, get(props));
        info.description = description;
        info.required = false;
        if (this == ALLOW_EXTERNAL_ACCESS || this == ALLOW_INSTANCE_SETTINGS || this == LOG_UNCLOSED_CONNECTIONS
                || this == S3_PATH_STYLE) {
            info.choices = new String[] {"true", "false"};
        }
        return info;
    }

    private SQLException badValue(String value, String expected) {
        return new SQLException("Invalid value '" + value + "' for property " + name + ": expected " + expected
                + ". Fix it in the URL (;" + name + "=...) or the connection Properties.", SqlStates.INVALID_PARAMETER);
    }
}
