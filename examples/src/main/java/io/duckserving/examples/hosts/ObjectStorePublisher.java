package io.duckserving.examples.hosts;

import io.duckserving.exporter.ExportReport;
import io.duckserving.exporter.ExportRequest;
import io.duckserving.exporter.Exporter;
import io.duckserving.exporter.Publications;
import io.duckserving.exporter.S3Settings;
import io.duckserving.testing.S3TestServer;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;

/**
 * The publishing host of the many-hosts demo: a pipeline run rewrites {@code serving.orders} in
 * the lakehouse (every row carries the run's batch number), then one export publishes it to the
 * local target and to the object store. Credentials come from the AWS SDK's default chain (here
 * its system properties), the store's endpoint and path style from {@link S3Settings}.
 */
final class ObjectStorePublisher {
    private final Path lakehouse;
    private final Path localTarget;
    private final URI objectTarget;
    private final S3Settings s3;
    private final int rows;
    private final Exporter exporter = new Exporter();

    ObjectStorePublisher(Path directory, S3TestServer store, String objectTarget, int rows) throws java.io.IOException {
        Files.createDirectories(directory);
        this.lakehouse = directory.resolve("lakehouse.duckdb");
        this.localTarget = directory.resolve("analytics.duckdb");
        this.objectTarget = URI.create(objectTarget);
        this.s3 = S3Settings.defaults().endpoint(store.endpoint()).pathStyle(true);
        this.rows = rows;
        System.setProperty("aws.accessKeyId", S3TestServer.ACCESS_KEY);
        System.setProperty("aws.secretAccessKey", S3TestServer.SECRET_KEY);
        System.setProperty("aws.region", S3TestServer.REGION);
    }

    Path localTarget() {
        return localTarget;
    }

    URI objectTarget() {
        return objectTarget;
    }

    /** One publish: its id and when the object store's manifest.json named it (readers' lag counts from there). */
    record Published(String publishId, long madeCurrentEpochMillis) {
    }

    /** Runs the pipeline for {@code batch} and publishes it. */
    Published publish(int batch) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:" + lakehouse); Statement st = c.createStatement()) {
            st.execute("CREATE SCHEMA IF NOT EXISTS serving");
            // A row count that changes with every batch, so a torn read could not match the recorded count.
            st.execute("CREATE OR REPLACE TABLE serving.orders AS SELECT " + batch + " AS batch, i AS id, "
                    + "round(random() * 100, 2) AS amount FROM range(" + ((long) rows + batch * 7L) + ") t(i)");
        } catch (SQLException e) {
            throw new IllegalStateException("the pipeline run for batch " + batch + " failed: " + e.getMessage(), e);
        }
        ExportReport report = exporter.export(ExportRequest.builder().source(lakehouse).target(localTarget)
                .objectTargets(List.of(objectTarget)).s3(s3).handoff(Duration.ZERO).build());
        return new Published(report.publishId(), report.objectTargets().get(0).madeCurrentAt().toEpochMilli());
    }

    /** Makes the publish before the current one current again on the object store; returns its id. */
    String rollback() throws Exception {
        return Publications.of(objectTarget, s3).rollback().toPublishId();
    }
}
