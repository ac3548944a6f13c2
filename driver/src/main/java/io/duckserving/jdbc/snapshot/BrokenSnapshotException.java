package io.duckserving.jdbc.snapshot;

import java.io.IOException;

/**
 * A file at a snapshot path that is not a whole DuckDB database: not a regular file, too short,
 * not DuckDB, corrupt headers, truncated, or row counts that disagree with the exporter's
 * {@code serving_meta}. The message names the file, says what is wrong and what to do.
 */
final class BrokenSnapshotException extends IOException {
    private static final long serialVersionUID = 1L;

    BrokenSnapshotException(String message) {
        super(message);
    }

    BrokenSnapshotException(String message, Throwable cause) {
        super(message, cause);
    }
}
