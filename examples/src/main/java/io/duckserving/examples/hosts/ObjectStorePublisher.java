package io.duckserving.examples.hosts;

import io.duckserving.testing.S3TestServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * The publishing host of the many-hosts demo: a pipeline run rewrites {@code serving.orders} in
 * the lakehouse (every row carries the run's batch number), then one export publishes it to the
 * local target and to the object store.
 */
final class ObjectStorePublisher {
    private final Path lakehouse;
    private final Path localTarget;
    private final String objectTarget;
    private final S3TestServer store;
    private final int rows;

    ObjectStorePublisher(Path directory, S3TestServer store, String objectTarget, int rows) throws java.io.IOException {
        Files.createDirectories(directory);
        this.lakehouse = directory.resolve("lakehouse.duckdb");
        this.localTarget = directory.resolve("analytics.duckdb");
        this.objectTarget = objectTarget;
        this.store = store;
        this.rows = rows;
    }

    Path localTarget() {
        return localTarget;
    }

    String objectTarget() {
        return objectTarget;
    }

    /** Runs the pipeline for {@code batch} and publishes it; returns the publish id. */
    String publish(int batch) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:" + lakehouse); Statement st = c.createStatement()) {
            st.execute("CREATE SCHEMA IF NOT EXISTS serving");
            // A row count that changes with every batch, so a torn read could not match the recorded count.
            st.execute("CREATE OR REPLACE TABLE serving.orders AS SELECT " + batch + " AS batch, i AS id, "
                    + "round(random() * 100, 2) AS amount FROM range(" + ((long) rows + batch * 7L) + ") t(i)");
        } catch (SQLException e) {
            throw new IllegalStateException("the pipeline run for batch " + batch + " failed: " + e.getMessage(), e);
        }
        throw new UnsupportedOperationException("export to " + localTarget + " and " + objectTarget + " via " + store);
    }

    /** Makes the publish before the current one current again on the object store; returns its id. */
    String rollback() throws Exception {
        throw new UnsupportedOperationException();
    }
}
