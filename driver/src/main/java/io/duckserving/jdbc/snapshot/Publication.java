package io.duckserving.jdbc.snapshot;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.OffsetDateTime;

/**
 * Which publish a snapshot holds, read once per snapshot from the exporter's
 * {@code serving_meta.publish}; files published by other means have none.
 */
record Publication(String publishId, Instant publishedAt) {

    /** The publish recorded in the database {@code root} is connected to, or null. */
    static Publication read(Connection root) {
        try (Statement st = root.createStatement();
             ResultSet rs = st.executeQuery("SELECT publish_id, published_at FROM serving_meta.publish "
                     + "ORDER BY published_at DESC LIMIT 1")) {
            if (!rs.next()) {
                return null;
            }
            OffsetDateTime at = rs.getObject(2, OffsetDateTime.class);
            return new Publication(rs.getString(1), at == null ? null : at.toInstant());
        } catch (SQLException | RuntimeException e) {
            return null; // not published by the exporter, or an older layout: the metrics show no publish id
        }
    }
}
