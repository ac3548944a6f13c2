package io.duckserving.jdbc.snapshot;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;

/**
 * How a path is being served in this JVM, for health checks.
 *
 * @param path the published path
 * @param serving a snapshot is open (false only before the first connection succeeded)
 * @param servingNewestFile the current snapshot holds the file now at the path
 * @param publishId the exporter's publish id of the current snapshot, or null
 * @param publishedAt when it was published, or null
 * @param snapshotAge how old it is (since published, or since it became current), or null
 * @param lastFailure why the newest file failed to open, or null
 * @param failingFor how long the newest file has been failing, or null
 */
public record ServingStatus(Path path, boolean serving, boolean servingNewestFile, String publishId,
        Instant publishedAt, Duration snapshotAge, String lastFailure, Duration failingFor) {

    /** The status of {@code path} (absolute, as in the URL), or null if no connection of this JVM follows it. */
    public static ServingStatus of(Path path) {
        return SnapshotRegistry.statusOf(path.toAbsolutePath().normalize());
    }
}
