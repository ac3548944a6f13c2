package io.duckserving.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.duckserving.exporter.ExportReport;
import io.duckserving.exporter.ExportRequest;
import io.duckserving.exporter.Exporter;
import io.duckserving.jdbc.ServingDriver;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The exporter and the driver together: a reader's driver opens the snapshot the exporter hands
 * off before the rename, and the rename then costs it no open at all.
 */
class ExporterHandoffIT {

    @Test
    void aReaderPreparesTheHandedOffSnapshotAndInstallsItAtTheRenameWithoutOpeningAgain(@TempDir Path dir)
            throws Exception {
        PublishedLakehouse published = PublishedLakehouse.create(dir, 60);
        try (Connection reader = DriverManager.getConnection(published.servingUrl())) {
            String first = publishId(reader);
            CoffeeLakehouse.runPipeline(published.lakehouse());
            long opensBefore = ServingDriver.snapshotsOpened();
            AtomicBoolean exporting = new AtomicBoolean(true);
            AtomicBoolean openedDuringHandoff = new AtomicBoolean();
            Thread watcher = new Thread(() -> {
                while (exporting.get()) {
                    if (handoffExists(dir) && ServingDriver.snapshotsOpened() > opensBefore) {
                        openedDuringHandoff.set(true);
                    }
                    Thread.onSpinWait();
                }
            });
            watcher.start();
            ExportReport report;
            try {
                report = new Exporter().export(ExportRequest.builder()
                        .source(published.lakehouse())
                        .target(published.snapshot())
                        .handoff(Duration.ofSeconds(2))
                        .build());
            } finally {
                exporting.set(false);
                watcher.join();
            }
            assertEquals(Duration.ofSeconds(2), report.handoff());
            assertTrue(openedDuringHandoff.get(), "the driver opened the handed-off file before the rename");
            String second = publishId(reader);
            assertTrue(!second.equals(first) && second.equals(report.publishId()),
                    "the reader reads the new publish " + report.publishId() + ", read " + second);
            assertEquals(opensBefore + 1, ServingDriver.snapshotsOpened(),
                    "one open for the publish: the handoff's, none at the rename");
            assertTrue(!handoffExists(dir), "the exporter removed its handoff link");
        }
    }

    private static boolean handoffExists(Path dir) {
        try (Stream<Path> files = Files.list(dir)) {
            return files.anyMatch(p -> p.getFileName().toString().endsWith(".handoff"));
        } catch (java.io.IOException e) {
            return false;
        }
    }

    private static String publishId(Connection c) throws SQLException {
        try (Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT publish_id FROM serving_meta.publish")) {
            rs.next();
            return rs.getString(1);
        }
    }
}
