package io.duckserving.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Idle pooled connections must not keep replaced snapshot files (and their disk space) alive. */
class IdlePoolIT {
    @TempDir
    Path dir;

    @Test
    void idlePooledConnectionsLetGoOfReplacedSnapshots() throws Exception {
        Path target = dir.resolve("analytics.duckdb");
        SnapshotFiles.publish(target, 1);
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(SnapshotFiles.url(target));
        config.setMaximumPoolSize(4);
        try (HikariDataSource pool = new HikariDataSource(config)) {
            Poll.until(Duration.ofSeconds(10), "the pool fills to 4 connections",
                    () -> pool.getHikariPoolMXBean().getTotalConnections() == 4);
            List<Connection> all = new ArrayList<>();
            try {
                for (int i = 0; i < 4; i++) {
                    all.add(pool.getConnection());
                }
                for (Connection c : all) {
                    assertEquals(1, SnapshotFiles.readVersion(c), "every pooled connection has read snapshot 1");
                }
            } finally {
                for (Connection c : all) {
                    c.close();
                }
            }
            for (int version = 2; version <= 4; version++) {
                SnapshotFiles.publish(target, version);
                // One borrower notices the new file; the three others stay idle in the pool.
                try (Connection c = pool.getConnection()) {
                    assertEquals(version, SnapshotFiles.readVersion(c));
                }
            }
            Poll.until(Duration.ofSeconds(10), "no replaced snapshot file held open by idle pooled connections",
                    () -> SnapshotFiles.openDeletedFiles(dir).isEmpty());
            all.clear();
            try {
                for (int i = 0; i < 4; i++) {
                    all.add(pool.getConnection());
                }
                for (Connection c : all) {
                    assertEquals(4, SnapshotFiles.readVersion(c), "every pooled connection reads the newest snapshot");
                }
            } finally {
                for (Connection c : all) {
                    c.close();
                }
            }
        }
    }
}
