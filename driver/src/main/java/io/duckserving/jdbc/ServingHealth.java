package io.duckserving.jdbc;

import io.duckserving.jdbc.replica.S3Location;
import io.duckserving.jdbc.snapshot.ServingStatus;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * A health answer for applications, pools and load balancers: whether this JVM serves a path on
 * its newest published file, and how old that snapshot is. One line in a Spring Boot health
 * indicator:
 *
 * <pre>{@code
 * ServingHealth h = ServingHealth.of("/data/analytics.duckdb");
 * return h.isHealthy(Duration.ofHours(2)) ? Health.up().withDetail("snapshot", h).build()
 *                                         : Health.down().withDetail("snapshot", h).build();
 * }</pre>
 */
public final class ServingHealth {
    private final Path path;
    private final ServingStatus status;

    private ServingHealth(Path path, ServingStatus status) {
        this.path = path;
        this.status = status;
    }

    /**
     * The health of {@code pathOrUrl}: a file path, or a {@code jdbc:duckdb-serving:} URL (its options are
     * ignored, except {@code serving_replica_dir} of an {@code s3://} URL: the health is then the local
     * replica's; its staleness is the replica's MXBean's).
     */
    public static ServingHealth of(String pathOrUrl) {
        String text = pathOrUrl.startsWith(ServingUrl.PREFIX)
                ? pathOrUrl.substring(ServingUrl.PREFIX.length()).split(";", 2)[0].trim()
                : pathOrUrl;
        if (S3Location.isS3(text)) {
            try {
                java.util.Properties own = new java.util.Properties();
                if (pathOrUrl.startsWith(ServingUrl.PREFIX)) {
                    ServingUrl.options(pathOrUrl, null).forEach((k, v) -> {
                        if (ServingProperty.REPLICA_DIR.getName().equalsIgnoreCase(k)) {
                            own.setProperty(ServingProperty.REPLICA_DIR.getName(), v);
                        }
                    });
                }
                return of(S3Location.parse(text).servedPath(ServingUrl.replicaDirectory(own)));
            } catch (java.sql.SQLException | IllegalArgumentException e) {
                throw new IllegalArgumentException("Cannot tell the health of " + pathOrUrl + ": " + e.getMessage(), e);
            }
        }
        return of(Paths.get(text));
    }

    public static ServingHealth of(Path path) {
        Path absolute = path.toAbsolutePath().normalize();
        return new ServingHealth(absolute, ServingStatus.of(absolute));
    }

    /** Whether a connection of this JVM follows the path and has a snapshot of it open. */
    public boolean isServing() {
        return status != null && status.serving();
    }

    /** Whether the snapshot served is the file now at the path (false while a newer file opens or fails). */
    public boolean isServingNewestFile() {
        return status != null && status.servingNewestFile();
    }

    /**
     * Serving the newest file, and (if {@code maxAge} is not null) a snapshot published at most
     * that long ago: the pipeline may have stopped publishing although every file opened.
     */
    public boolean isHealthy(Duration maxAge) {
        return isServingNewestFile() && (maxAge == null || snapshotAge().map(a -> a.compareTo(maxAge) <= 0).orElse(true));
    }

    /** Since the snapshot was published (or became current, if it does not say). */
    public Optional<Duration> snapshotAge() {
        return Optional.ofNullable(status == null ? null : status.snapshotAge());
    }

    public Optional<String> publishId() {
        return Optional.ofNullable(status == null ? null : status.publishId());
    }

    public Optional<Instant> publishedAt() {
        return Optional.ofNullable(status == null ? null : status.publishedAt());
    }

    /** Why the newest file at the path cannot be opened, while it cannot. */
    public Optional<String> lastFailure() {
        return Optional.ofNullable(status == null ? null : status.lastFailure());
    }

    /** How long the newest file has been failing, while it is. */
    public Optional<Duration> failingFor() {
        return Optional.ofNullable(status == null ? null : status.failingFor());
    }

    public Path path() {
        return path;
    }

    @Override
    public String toString() {
        if (status == null) {
            return path + ": not followed in this JVM";
        }
        return path + ": " + (status.servingNewestFile() ? "serving the newest file" : "NOT serving the newest file")
                + publishId().map(id -> ", publish " + id).orElse("")
                + snapshotAge().map(a -> ", " + a.toSeconds() + " s old").orElse("")
                + lastFailure().map(f -> ", newest file failing: " + f).orElse("");
    }
}
