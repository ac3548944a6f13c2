package io.duckserving.examples;

import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/**
 * Plain JDBC: one {@code DriverManager} connection and one {@code PreparedStatement}, kept
 * open across a publish. Nothing is reopened; the next execution runs on the new snapshot.
 */
public final class DriverManagerExample {

    static final String PRICE_SQL = "SELECT price_usc_lb FROM serving.origin_summary WHERE origin = ?";

    /** What the program saw before and after the pipeline published its next run. */
    public record Result(String url, SnapshotView before, BigDecimal priceBefore, PublishedLakehouse.Publication published,
            SnapshotView after, BigDecimal priceAfter) {

        public String describe() {
            return "DriverManager on " + url + "\n"
                    + "  before the publish: " + before + ", Brazil at " + priceBefore + " US cents/lb\n"
                    + "  pipeline published run " + published.run().runId() + " as " + published.publishId() + "\n"
                    + "  after the publish:  " + after + ", Brazil at " + priceAfter + " US cents/lb\n"
                    + "  (same Connection, same PreparedStatement: the driver moved them to the new snapshot)";
        }
    }

    private DriverManagerExample() {
    }

    public static Result run(Path directory) throws Exception {
        PublishedLakehouse lakehouse = PublishedLakehouse.create(directory);
        try (Connection connection = DriverManager.getConnection(lakehouse.servingUrl());
                PreparedStatement price = connection.prepareStatement(PRICE_SQL)) {
            price.setString(1, "Brazil");
            SnapshotView before = SnapshotView.read(connection);
            BigDecimal priceBefore = single(price);
            PublishedLakehouse.Publication published = lakehouse.publishNextRun();
            SnapshotView after = SnapshotView.read(connection);
            BigDecimal priceAfter = single(price);
            return new Result(lakehouse.servingUrl(), before, priceBefore, published, after, priceAfter);
        }
    }

    private static BigDecimal single(PreparedStatement statement) throws SQLException {
        try (ResultSet rs = statement.executeQuery()) {
            if (!rs.next()) {
                throw new SQLException("no row for " + PRICE_SQL);
            }
            return rs.getBigDecimal(1);
        }
    }

    public static void main(String[] args) throws Exception {
        Path directory = Files.createTempDirectory("duckdb-serving-drivermanager");
        try {
            System.out.println(run(directory).describe());
        } finally {
            TempFiles.deleteRecursively(directory);
        }
    }
}
