package io.duckserving.examples;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.duckserving.jdbc.ServingDriver;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.List;

/**
 * HikariCP in its default configuration (only the URL set): the pool starts, its ten idle
 * connections follow a publish, and the whole pool costs one DuckDB open per swap.
 */
public final class HikariExample {

    private static final long POOL_FILL_TIMEOUT_MILLIS = 30_000;

    public record Result(String url, int poolSize, SnapshotView before, PublishedLakehouse.Publication published,
            List<SnapshotView> afterOnEveryConnection, long duckdbOpensForTheSwap) {

        public String describe() {
            SnapshotView first = afterOnEveryConnection.get(0);
            boolean allMoved = afterOnEveryConnection.stream().allMatch(v -> v.equals(first));
            return "HikariCP (default configuration) on " + url + "\n"
                    + "  pool of " + poolSize + " connections, before the publish: " + before + "\n"
                    + "  pipeline published run " + published.run().runId() + " as " + published.publishId() + "\n"
                    + "  after the publish, all " + afterOnEveryConnection.size() + " connections borrowed at once"
                    + (allMoved ? " see " + first : " disagree: " + afterOnEveryConnection) + "\n"
                    + "  DuckDB opens for this swap: " + duckdbOpensForTheSwap + " (one per JVM, not one per connection)";
        }
    }

    private HikariExample() {
    }

    public static Result run(Path directory) throws Exception {
        PublishedLakehouse lakehouse = PublishedLakehouse.create(directory);
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(lakehouse.servingUrl());
        try (HikariDataSource pool = new HikariDataSource(config)) {
            int size = config.getMaximumPoolSize();
            awaitFullPool(pool, size);
            SnapshotView before;
            try (Connection connection = pool.getConnection()) {
                before = SnapshotView.read(connection);
            }
            long opensBefore = ServingDriver.snapshotsOpened();
            PublishedLakehouse.Publication published = lakehouse.publishNextRun();
            List<Connection> borrowed = new ArrayList<>();
            List<SnapshotView> after = new ArrayList<>();
            try {
                for (int i = 0; i < size; i++) {
                    Connection connection = pool.getConnection();
                    borrowed.add(connection);
                    after.add(SnapshotView.read(connection));
                }
            } finally {
                for (Connection connection : borrowed) {
                    connection.close();
                }
            }
            long opens = ServingDriver.snapshotsOpened() - opensBefore;
            return new Result(lakehouse.servingUrl(), size, before, published, after, opens);
        }
    }

    /** HikariCP fills the pool in the background; wait so the swap meets every connection idle. */
    private static void awaitFullPool(HikariDataSource pool, int size) throws InterruptedException {
        long deadline = System.currentTimeMillis() + POOL_FILL_TIMEOUT_MILLIS;
        while (pool.getHikariPoolMXBean().getTotalConnections() < size) {
            if (System.currentTimeMillis() > deadline) {
                throw new IllegalStateException("HikariCP opened only " + pool.getHikariPoolMXBean().getTotalConnections()
                        + " of " + size + " connections in " + POOL_FILL_TIMEOUT_MILLIS + " ms");
            }
            Thread.sleep(10);
        }
    }

    public static void main(String[] args) throws Exception {
        Path directory = Files.createTempDirectory("duckdb-serving-hikari");
        try {
            System.out.println(run(directory).describe());
        } finally {
            TempFiles.deleteRecursively(directory);
        }
    }
}
