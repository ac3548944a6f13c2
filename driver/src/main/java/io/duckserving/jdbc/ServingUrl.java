package io.duckserving.jdbc;

import io.duckserving.jdbc.replica.S3Location;
import io.duckserving.jdbc.replica.S3Options;
import io.duckserving.jdbc.snapshot.DuckDbOptions;
import io.duckserving.jdbc.snapshot.FollowPolicy;
import io.duckserving.jdbc.snapshot.SnapshotKey;
import io.duckserving.jdbc.snapshot.SpillRoot;
import io.duckserving.jdbc.snapshot.SqlStates;
import java.io.IOException;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.concurrent.TimeUnit;

/**
 * A parsed {@code jdbc:duckdb-serving:<path>[;key=value]...} URL merged with the connection
 * {@link Properties}: URL options win, the driver's own keys are split from DuckDB's.
 */
final class ServingUrl {
    static final String PREFIX = "jdbc:duckdb-serving:";
    /**
     * DuckDB options that need the built-in ICU extension, which is loaded only after the
     * database opens (extension autoloading is off): applied as session SQL on every snapshot.
     */
    private static final Set<String> SESSION_OPTIONS = Set.of("timezone", "calendar");
    /** Keys that JDBC tools send and DuckDB has no use for (it has no authentication). */
    private static final Set<String> IGNORED = java.util.Set.of("user", "password");
    /**
     * DuckDB's option for the initial auto-commit of its connections. The driver owns auto-commit
     * (SnapshotBinding), so it is taken here and never reaches DuckDB, whose duplicated connections
     * would inherit it behind the driver's back.
     */
    static final String AUTO_COMMIT = "jdbc_auto_commit";
    /** More recorded queries per connection would make every statement's bookkeeping slower for little gain. */
    private static final long MAX_WARMUP_STATEMENTS = 256;
    /** As the exporter's longest --handoff: a replica swap held back longer is a mistake, not a choice. */
    private static final long MAX_REPLICA_HANDOFF_MILLIS = 600_000;

    final Path path;
    final long checkIntervalNanos;
    final long retryIntervalNanos;
    final long maxStalenessNanos;
    final long watchIntervalMillis;
    final long openTimeoutNanos;
    final boolean logUnclosed;
    /** What identifies the snapshot configuration this URL reads. */
    final SnapshotKey key;
    /** How a connection of this URL follows new snapshots. */
    final FollowPolicy policy;
    final Path spillRoot;
    final DuckDbOptions duckDb;
    /** {@code SET} statements every session starts with (TimeZone, Calendar). */
    final List<String> sessionSql;
    /** Initial auto-commit of each connection ({@value #AUTO_COMMIT}, default true). */
    final boolean autoCommit;
    /** The object-storage source of an {@code s3://} URL, or null for a local file. */
    final S3Location source;
    /** For an {@code s3://} URL: how to reach the store, where the replica lives, how often to poll. */
    final S3Options s3Options;
    final Path replicaDirectory;
    final long pollIntervalMillis;
    /** How long a verified replica download is handed off before its rename ({@code serving_replica_handoff_ms}). */
    final long replicaHandoffMillis;

    private ServingUrl(Path path, S3Location source, Path replicaDirectory, Properties own, DuckDbOptions duckDb,
            List<String> sessionSql, boolean autoCommit) throws SQLException {
        this.path = path;
        this.source = source;
        this.replicaDirectory = replicaDirectory;
        this.s3Options = source == null ? null : new S3Options(ServingProperty.S3_ENDPOINT.get(own),
                ServingProperty.S3_REGION.get(own), ServingProperty.S3_PATH_STYLE.getBoolean(own));
        this.pollIntervalMillis = ServingProperty.POLL_INTERVAL_MS.getPositiveLong(own);
        this.replicaHandoffMillis = ServingProperty.REPLICA_HANDOFF_MS.getLongAtMost(own, MAX_REPLICA_HANDOFF_MILLIS);
        this.autoCommit = autoCommit;
        this.sessionSql = sessionSql;
        this.checkIntervalNanos = TimeUnit.MILLISECONDS.toNanos(ServingProperty.CHECK_INTERVAL_MS.getLong(own));
        this.retryIntervalNanos = TimeUnit.MILLISECONDS.toNanos(ServingProperty.RETRY_INTERVAL_MS.getLong(own));
        this.maxStalenessNanos = TimeUnit.MILLISECONDS.toNanos(ServingProperty.MAX_STALENESS_MS.getLong(own));
        this.watchIntervalMillis = ServingProperty.WATCH_INTERVAL_MS.getLong(own);
        this.openTimeoutNanos = TimeUnit.MILLISECONDS.toNanos(ServingProperty.OPEN_TIMEOUT_MS.getPositiveLong(own));
        this.logUnclosed = ServingProperty.LOG_UNCLOSED_CONNECTIONS.getBoolean(own);
        String spill = ServingProperty.SPILL_DIRECTORY.get(own);
        this.spillRoot = spill.isEmpty()
                ? SpillRoot.defaultRoot()
                : Paths.get(spill).toAbsolutePath();
        this.duckDb = duckDb;
        this.key = new SnapshotKey(path, duckDb, spillRoot);
        this.policy = new FollowPolicy(checkIntervalNanos, retryIntervalNanos, maxStalenessNanos, openTimeoutNanos,
                watchIntervalMillis, TimeUnit.MILLISECONDS.toNanos(ServingProperty.MAX_LAG_MS.getLong(own)),
                (int) ServingProperty.WARMUP_STATEMENTS.getLongAtMost(own, MAX_WARMUP_STATEMENTS),
                TimeUnit.MILLISECONDS.toNanos(ServingProperty.WARMUP_MS.getLong(own)),
                ServingProperty.WARMUP_SQL.getReadQueries(own), ServingProperty.WARMUP_MAX_CPU_PERCENT.getPercent(own));
    }

    static boolean accepts(String url) {
        return url != null && url.startsWith(PREFIX);
    }

    static ServingUrl parse(String url, Properties info) throws SQLException {
        String pathText = url.substring(PREFIX.length()).split(";", 2)[0].trim();
        if (pathText.isEmpty() || pathText.startsWith(":memory:")) {
            throw new SQLException("URL " + redacted(url) + " names no database file: use " + PREFIX
                    + "/path/to/analytics.duckdb", SqlStates.CANNOT_CONNECT);
        }
        S3Location source = null;
        Path path = null;
        if (S3Location.isS3(pathText)) {
            try {
                source = S3Location.parse(pathText);
            } catch (IllegalArgumentException e) {
                throw new SQLException("URL " + redacted(url) + ": " + e.getMessage(), SqlStates.CANNOT_CONNECT, e);
            }
        } else {
            try {
                path = canonical(Paths.get(pathText));
            } catch (InvalidPathException e) {
                throw new SQLException("URL " + redacted(url) + " has an invalid file path: " + e.getMessage(),
                        SqlStates.CANNOT_CONNECT, e);
            }
        }
        Properties own = new Properties();
        Map<String, String> passThrough = new LinkedHashMap<>();
        List<String> sessionSql = new ArrayList<>();
        Boolean autoCommit = Boolean.TRUE;
        for (Map.Entry<String, String> e : options(url, info).entrySet()) {
            ServingProperty p = ServingProperty.forName(e.getKey());
            String lower = e.getKey().toLowerCase(Locale.ROOT);
            if (p != null) {
                own.setProperty(p.getName(), e.getValue());
            } else if (lower.startsWith("serving_")) {
                throw new SQLException("Unknown property " + e.getKey() + ": the driver's properties are "
                        + Arrays.stream(ServingProperty.values()).map(ServingProperty::getName)
                                .collect(Collectors.joining(", ")) + ".",
                        SqlStates.INVALID_PARAMETER);
            } else if (lower.equals(AUTO_COMMIT)) {
                autoCommit = DuckDbOptions.parseBoolean(e.getValue());
                if (autoCommit == null) {
                    throw new SQLException("Option " + e.getKey() + " is '" + e.getValue() + "': use true or false "
                            + "(also on/off, yes/no, 1/0).", SqlStates.INVALID_PARAMETER);
                }
            } else if (SESSION_OPTIONS.contains(lower)) {
                // The key as given (it is "timezone" or "calendar" in any case), so errors name it so.
                sessionSql.add("SET " + e.getKey() + " = '" + e.getValue().replace("'", "''") + "'");
            } else if (source != null && isAwsCredential(lower)) {
                // DuckDB users know these from httpfs; here they would be ignored (the replica signs
                // with the SDK's chain) while the secret sat in the URL, its logs and its errors.
                throw new SQLException("Option " + e.getKey() + " is not used for s3:// URLs (its value is not shown): "
                        + "the replica takes credentials from the AWS SDK's default chain, e.g. the AWS_ACCESS_KEY_ID "
                        + "and AWS_SECRET_ACCESS_KEY environment variables, the aws.accessKeyId and aws.secretAccessKey "
                        + "system properties, ~/.aws profiles (AWS_PROFILE), or a container or instance role. Remove it "
                        + "from the URL and the connection properties.", SqlStates.INVALID_PARAMETER);
            } else if (!IGNORED.contains(lower)) {
                passThrough.put(e.getKey(), e.getValue());
            }
        }
        Path replicaDirectory = null;
        if (source != null) {
            replicaDirectory = replicaDirectory(own);
            path = canonical(source.servedPath(replicaDirectory));
        } else {
            for (ServingProperty p : ServingProperty.values()) {
                if (p.isReplicaOnly() && own.getProperty(p.getName()) != null) {
                    // Silently ignoring it would hide a URL that was meant to read object storage.
                    throw new SQLException("Property " + p.getName() + " applies only to s3:// URLs, and " + redacted(url)
                            + " names a local file: remove it, or use jdbc:duckdb-serving:s3://bucket/key",
                            SqlStates.INVALID_PARAMETER);
                }
            }
        }
        boolean external = ServingProperty.ALLOW_EXTERNAL_ACCESS.getBoolean(own);
        boolean instanceSettings = ServingProperty.ALLOW_INSTANCE_SETTINGS.getBoolean(own);
        int memoryPercent = ServingProperty.MEMORY_LIMIT_PERCENT.getPercent(own);
        return new ServingUrl(path, source, replicaDirectory, own, DuckDbOptions.of(passThrough, external, instanceSettings, memoryPercent),
                List.copyOf(sessionSql), autoCommit);
    }

    /** Credentials of DuckDB's httpfs or the AWS tools, as option names. */
    private static boolean isAwsCredential(String lowerName) {
        return lowerName.startsWith("aws_") || (lowerName.startsWith("s3_") && DuckDbOptions.isSecretName(lowerName));
    }

    /** {@code url} with the value of every option that holds a secret replaced, for messages. */
    static String redacted(String url) {
        String[] parts = url.split(";", -1);
        for (int i = 1; i < parts.length; i++) {
            int eq = parts[i].indexOf('=');
            if (eq > 0 && DuckDbOptions.isSecretName(parts[i].substring(0, eq).trim())) {
                parts[i] = parts[i].substring(0, eq + 1) + DuckDbOptions.REDACTED;
            }
        }
        return String.join(";", parts);
    }

    /**
     * {@code serving_replica_dir}, or {@code <java.io.tmpdir>/duckdb-serving-replicas-<user>}, absolute.
     * The default is in a directory every user can write: another user who created it first could
     * plant a replica and a state file that say "current" and be served, so it is made mode 0700
     * and refused unless it is this user's alone (as the default spill root).
     */
    static Path replicaDirectory(Properties own) throws SQLException {
        String dir = ServingProperty.REPLICA_DIR.get(own);
        try {
            if (dir.isEmpty()) {
                Path shared = canonical(Paths.get(System.getProperty("java.io.tmpdir"),
                        "duckdb-serving-replicas-" + System.getProperty("user.name")));
                try {
                    return SpillRoot.createPrivate(shared, "the default replica directory",
                            ServingProperty.REPLICA_DIR.getName());
                } catch (IOException e) {
                    throw new SQLException("Cannot use " + e.getMessage(), SqlStates.CANNOT_CONNECT, e);
                }
            }
            return canonical(Paths.get(dir));
        } catch (InvalidPathException e) {
            throw new SQLException("Invalid " + ServingProperty.REPLICA_DIR.getName() + " '" + dir + "': " + e.getMessage(),
                    SqlStates.INVALID_PARAMETER, e);
        }
    }

    /**
     * The path as given, made absolute: never resolved through symbolic links, because publishing
     * may flip a link anywhere on it (a {@code current -> releases/42} directory, or the file
     * itself), and every check must follow the link as it is at that moment.
     */
    private static Path canonical(Path given) {
        return given.toAbsolutePath().normalize();
    }

    /** The {@code Properties}, then the URL's options over them (the URL wins), as strings. */
    static Map<String, String> options(String url, Properties info) throws SQLException {
        Map<String, String> merged = new LinkedHashMap<>();
        if (info != null) {
            // Boolean and other objects put straight into the map count too, as DuckDB's driver takes them.
            for (Map.Entry<Object, Object> e : info.entrySet()) {
                if (e.getKey() instanceof String && e.getValue() != null) {
                    merged.put((String) e.getKey(), String.valueOf(e.getValue()));
                }
            }
        }
        String[] parts = url.substring(PREFIX.length()).split(";");
        for (int i = 1; i < parts.length; i++) {
            String part = parts[i].trim();
            if (part.isEmpty()) {
                continue;
            }
            int eq = part.indexOf('=');
            if (eq <= 0) {
                throw new SQLException("URL option '" + part + "' in " + redacted(url) + " is not key=value",
                        SqlStates.INVALID_PARAMETER);
            }
            String key = part.substring(0, eq).trim();
            merged.keySet().removeIf(k -> k.equalsIgnoreCase(key));
            merged.put(key, part.substring(eq + 1).trim());
        }
        return merged;
    }
}
