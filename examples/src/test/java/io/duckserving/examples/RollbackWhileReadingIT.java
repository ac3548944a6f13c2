package io.duckserving.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.duckserving.exporter.Publications;
import io.duckserving.exporter.RollbackReport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A rollback under readers of the real driver: every query succeeds, the first statement after
 * {@code rollback()} returns reads the previous publish, and the target is the kept generation's
 * very inode (nothing was copied).
 */
class RollbackWhileReadingIT {

    @Test
    void readersFollowARollbackWithoutAnErrorAndTheTargetIsTheKeptInode(@TempDir Path dir) throws Exception {
        PublishedLakehouse published = PublishedLakehouse.create(dir, 60);
        Connection probe = DriverManager.getConnection(published.servingUrl());
        try (probe) {
            String first = publishId(probe);
            String second = published.publishNextRun().publishId();
            assertEquals(second, publishId(probe));

            AtomicBoolean stop = new AtomicBoolean();
            AtomicLong queries = new AtomicLong();
            Queue<Throwable> errors = new ConcurrentLinkedQueue<>();
            List<Thread> readers = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                Thread t = new Thread(() -> {
                    try (Connection c = DriverManager.getConnection(published.servingUrl())) {
                        while (!stop.get()) {
                            publishId(c);
                            queries.incrementAndGet();
                        }
                    } catch (SQLException | RuntimeException e) {
                        errors.add(e);
                    }
                });
                t.start();
                readers.add(t);
            }
            long before = queries.get();
            while (queries.get() < before + 30 && errors.isEmpty()) {
                Thread.onSpinWait();
            }

            RollbackReport report = Publications.of(published.snapshot()).rollback();
            assertEquals(first, publishId(probe), "the first statement after rollback() returned");
            assertEquals(second, report.fromPublishId());
            assertEquals(first, report.toPublishId());
            Object target = Files.readAttributes(published.snapshot(), BasicFileAttributes.class).fileKey();
            assertEquals(Files.readAttributes(report.file(), BasicFileAttributes.class).fileKey(), target,
                    "the target is the kept generation's inode: nothing copied");

            long after = queries.get();
            while (queries.get() < after + 30 && errors.isEmpty()) {
                Thread.onSpinWait();
            }
            stop.set(true);
            for (Thread t : readers) {
                t.join(10_000);
            }
            assertTrue(errors.isEmpty(), "reader errors: " + errors);
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
