package io.duckserving.jdbc;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a BI tool gets: the -all jar alone on the class path, the driver found by DriverManager. */
class AllJarIT {
    @TempDir
    Path dir;

    @Test
    void driverManagerFindsTheDriverWithOnlyTheAllJarOnTheClassPath() throws Exception {
        Path target = dir.resolve("analytics.duckdb");
        SnapshotFiles.publish(target, 5);
        String output = ProbeJvm.run(dir, "Probe", List.of(
                "import java.sql.*;",
                "public class Probe {",
                "  public static void main(String[] args) throws Exception {",
                "    try (Connection c = DriverManager.getConnection(args[0]); Statement s = c.createStatement();",
                "         ResultSet rs = s.executeQuery(\"SELECT version FROM meta\")) {",
                "      rs.next();",
                "      System.out.println(\"version=\" + rs.getInt(1) + \" driver=\" + DriverManager.getDriver(args[0]).getClass().getName());",
                "    }",
                "  }",
                "}"), allJar().toString(), Map.of(), SnapshotFiles.url(target));
        assertTrue(output.contains("version=5 driver=io.duckserving.jdbc.ServingDriver"), output);
    }

    /** The -all jar holds what s3:// needs (the AWS SDK, its URL-connection client, Jackson): a BI tool adds nothing. */
    @Test
    void theAllJarAloneReadsAnS3Url() throws Exception {
        Path file = dir.resolve("v7.duckdb");
        SnapshotFiles.write(file, 7, SnapshotFiles.DEFAULT_ROWS);
        try (io.duckserving.testing.S3TestServer server = io.duckserving.testing.S3TestServer.start(dir.resolve("store"));
                io.duckserving.testing.TestPublisher publisher = new io.duckserving.testing.TestPublisher(
                        server.endpoint(), "lake", "bi/analytics.duckdb").createBucket()) {
            publisher.publish(file, "p7");
            // Credentials, region and endpoint from the environment, as AWS tools read them.
            String output = ProbeJvm.run(dir, "S3Probe", List.of(
                    "import java.sql.*;",
                    "public class S3Probe {",
                    "  public static void main(String[] args) throws Exception {",
                    "    try (Connection c = DriverManager.getConnection(args[0]); Statement s = c.createStatement();",
                    "         ResultSet rs = s.executeQuery(\"SELECT version FROM meta\")) {",
                    "      rs.next();",
                    "      System.out.println(\"version=\" + rs.getInt(1));",
                    "    }",
                    "  }",
                    "}"), allJar().toString(), server.awsEnvironment(),
                    "jdbc:duckdb-serving:s3://lake/bi/analytics.duckdb;serving_replica_dir=" + dir.resolve("replicas")
                            + ";serving_s3_path_style=true");
            assertTrue(output.contains("version=7"), output);
        }
    }

    /** The -all jar beside the driver's classes or jar, in whatever build directory this build uses. */
    private static Path allJar() throws Exception {
        return ProbeJvm.builtJar(n -> n.endsWith("-all.jar"), "-all.jar");
    }
}
