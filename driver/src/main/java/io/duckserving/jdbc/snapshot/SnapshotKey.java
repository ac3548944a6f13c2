package io.duckserving.jdbc.snapshot;

import java.nio.file.Path;
import java.util.Objects;

/**
 * What identifies one snapshot configuration: connections with equal keys share one current
 * snapshot per JVM. The path is absolute and kept as given (never resolved through links), so a
 * flipped link is followed at every check.
 */
public record SnapshotKey(Path path, DuckDbOptions options, Path spillRoot) {
    public SnapshotKey {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(options, "options");
        Objects.requireNonNull(spillRoot, "spillRoot");
    }
}
