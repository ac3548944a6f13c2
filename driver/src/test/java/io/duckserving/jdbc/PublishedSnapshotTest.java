package io.duckserving.jdbc;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/** The fixture most driver tests share: snapshot version 1 published at {@code <dir>/analytics.duckdb}. */
abstract class PublishedSnapshotTest {
    @TempDir
    Path dir;
    Path target;

    @BeforeEach
    void publishFirstSnapshot() throws Exception {
        target = dir.resolve("analytics.duckdb");
        SnapshotFiles.publish(target, 1);
    }

    /** A {@code jdbc:duckdb-serving:} connection to the target, with URL {@code options}. */
    Connection connect(String... options) throws SQLException {
        return DriverManager.getConnection(SnapshotFiles.url(target, options));
    }
}
