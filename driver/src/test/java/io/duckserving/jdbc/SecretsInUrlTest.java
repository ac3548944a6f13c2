package io.duckserving.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.List;
import javax.management.ObjectName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A secret put in a URL never reaches an error message or a metrics name. */
class SecretsInUrlTest {
    private static final String SECRET = "wJalrXUtnFEMI-K7MDENG-TOPSECRET";

    @TempDir
    Path dir;

    @Test
    void credentialsInAnS3UrlAreRefusedWithoutEchoingThem() {
        for (String option : List.of("s3_secret_access_key", "s3_access_key_id", "s3_session_token",
                "aws_secret_access_key", "AWS_SESSION_TOKEN")) {
            SQLException e = assertThrows(SQLException.class, () -> DriverManager.getConnection(
                    "jdbc:duckdb-serving:s3://lake/prefix/analytics.duckdb;" + option + "=" + SECRET
                            + ";serving_replica_dir=" + dir));
            assertFalse(e.getMessage().contains(SECRET), e.getMessage());
            assertEquals("22023", e.getSQLState(), e.getMessage());
            assertTrue(e.getMessage().contains(option) && e.getMessage().contains("AWS_SECRET_ACCESS_KEY"), e.getMessage());
        }
    }

    @Test
    void aSecretInALocalUrlIsInNoMessageAndNoMetricsName() throws Exception {
        String shown = io.duckserving.jdbc.snapshot.DuckDbOptions.of(java.util.Map.of("s3_secret_access_key", SECRET),
                false, 50).toString(); // what the metrics' names and attributes show
        assertTrue(shown.contains("s3_secret_access_key=***") && !shown.contains(SECRET), shown);
        Path target = dir.resolve("analytics.duckdb");
        SnapshotFiles.publish(target, 1);
        String bad = "jdbc:duckdb-serving:" + dir.resolve("missing-dir/x.duckdb") + ";s3_secret_access_key=" + SECRET
                + ";nonsense";
        SQLException e = assertThrows(SQLException.class, () -> DriverManager.getConnection(bad));
        assertFalse(e.getMessage().contains(SECRET), e.getMessage());
        // DuckDB does not know s3_secret_access_key without httpfs, so the open fails, naming it only.
        SQLException open = assertThrows(SQLException.class, () -> {
            try (Connection c = DriverManager.getConnection(SnapshotFiles.url(target, "s3_secret_access_key=" + SECRET))) {
                SnapshotFiles.readVersion(c);
            }
        });
        assertFalse(open.getMessage().contains(SECRET), open.getMessage());
        for (ObjectName n : ManagementFactory.getPlatformMBeanServer().queryNames(new ObjectName("io.duckserving:*"), null)) {
            assertFalse(n.toString().contains(SECRET), n.toString());
        }
    }
}
