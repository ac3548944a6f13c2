package io.duckserving.examples;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.LocalDate;

/** Which published snapshot a statement ran on: the pipeline run inside it and its publish id. */
public record SnapshotView(int runId, LocalDate asOf, String publishId) {

    /** Reads the run and publish id in one statement, so both come from the same snapshot. */
    public static final String SQL = """
            SELECT r.run_id, r.as_of, p.publish_id
            FROM serving.pipeline_run r, serving_meta.publish p""";

    public static SnapshotView read(Connection connection) throws SQLException {
        try (Statement st = connection.createStatement(); ResultSet rs = st.executeQuery(SQL)) {
            return from(rs);
        }
    }

    /** Maps the first row of a result of {@link #SQL}. */
    public static SnapshotView from(ResultSet rs) throws SQLException {
        if (!rs.next()) {
            throw new SQLException("serving.pipeline_run or serving_meta.publish is empty: was the snapshot"
                    + " published by the exporter from a CoffeeLakehouse?");
        }
        return new SnapshotView(rs.getInt(1), rs.getObject(2, LocalDate.class), rs.getString(3));
    }

    @Override
    public String toString() {
        return "run " + runId + " as of " + asOf + " (publish " + publishId + ")";
    }
}
