package io.duckserving.jdbc.snapshot;

import java.sql.PreparedStatement;
import java.sql.SQLException;

/** The parameters a prepared statement ran with, so a warm-up can run it again with the same values. */
@FunctionalInterface
public interface Parameters {
    void applyTo(PreparedStatement statement) throws SQLException;
}
