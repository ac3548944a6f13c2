package io.duckserving.jdbc;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;

/** Refuses, before DuckDB sees it, a file at the path that is not a regular file. */
final class SnapshotFileCheck {
    private SnapshotFileCheck() {
    }

    /** The attributes of the regular file at {@code path}, followed through links. */
    static BasicFileAttributes check(Path path) throws IOException {
        BasicFileAttributes a = Files.readAttributes(path, BasicFileAttributes.class);
        if (!a.isRegularFile()) {
            throw new IOException(path + " is not a regular file (" + (a.isDirectory() ? "a directory" : "a FIFO, "
                    + "socket or device") + "): publish a DuckDB file there with the exporter");
        }
        return a;
    }
}
