package io.duckserving.examples;

import io.duckserving.jdbc.ServingDataSource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.List;
import org.springframework.dao.DataAccessException;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Spring's {@code JdbcTemplate} over the driver's {@code DataSource}: queries follow a publish,
 * and DuckDB errors arrive as Spring's exceptions (an unknown table is a
 * {@code BadSqlGrammarException}) because the driver gives them SQLStates.
 */
public final class SpringJdbcTemplateExample {

    static final String BAD_SQL = "SELECT * FROM serving.no_such_table";

    public record Result(String url, SnapshotView before, PublishedLakehouse.Publication published, SnapshotView after,
            List<String> topOriginsByExports, DataAccessException badQueryError) {

        public String sqlState() {
            return badQueryError.getCause() instanceof SQLException e ? e.getSQLState() : null;
        }

        public String describe() {
            return "Spring JdbcTemplate on " + url + "\n"
                    + "  before the publish: " + before + "\n"
                    + "  pipeline published run " + published.run().runId() + " as " + published.publishId() + "\n"
                    + "  after the publish:  " + after + ", top origins by exports " + topOriginsByExports + "\n"
                    + "  '" + BAD_SQL + "' threw " + badQueryError.getClass().getSimpleName()
                    + " (SQLState " + sqlState() + ")";
        }
    }

    private SpringJdbcTemplateExample() {
    }

    public static Result run(Path directory) throws Exception {
        PublishedLakehouse lakehouse = PublishedLakehouse.create(directory);
        ServingDataSource dataSource = new ServingDataSource();
        dataSource.setUrl(lakehouse.servingUrl());
        JdbcTemplate jdbc = new JdbcTemplate(dataSource);

        SnapshotView before = jdbc.query(SnapshotView.SQL, SnapshotView::from);
        PublishedLakehouse.Publication published = lakehouse.publishNextRun();
        SnapshotView after = jdbc.query(SnapshotView.SQL, SnapshotView::from);
        List<String> top = jdbc.queryForList(
                "SELECT origin FROM serving.origin_summary ORDER BY export_bags_30d DESC LIMIT ?", String.class, 3);
        DataAccessException error = null;
        try {
            jdbc.queryForList(BAD_SQL);
        } catch (DataAccessException e) {
            error = e;
        }
        if (error == null) {
            throw new IllegalStateException("'" + BAD_SQL + "' did not fail");
        }
        return new Result(lakehouse.servingUrl(), before, published, after, top, error);
    }

    public static void main(String[] args) throws Exception {
        Path directory = Files.createTempDirectory("duckdb-serving-spring");
        try {
            System.out.println(run(directory).describe());
        } finally {
            TempFiles.deleteRecursively(directory);
        }
    }
}
