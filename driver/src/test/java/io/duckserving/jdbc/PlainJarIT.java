package io.duckserving.jdbc;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The plain driver jar with only DuckDB's driver beside it (no AWS SDK, no Jackson): local files
 * work, and an s3:// URL fails with a clear 08001 that says which jar or artifacts it needs.
 */
class PlainJarIT {
    @TempDir
    Path dir;

    @Test
    void localFilesWorkWithoutTheSdkAndAnS3UrlSaysWhatItNeeds() throws Exception {
        Path target = dir.resolve("analytics.duckdb");
        SnapshotFiles.publish(target, 5);
        String classPath = plainJar() + java.io.File.pathSeparator
                + Paths.get(org.duckdb.DuckDBDriver.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        String output = ProbeJvm.run(dir, "Probe", List.of(
                "import java.sql.*;",
                "public class Probe {",
                "  public static void main(String[] args) throws Exception {",
                "    try (Connection c = DriverManager.getConnection(args[0]); Statement s = c.createStatement();",
                "         ResultSet rs = s.executeQuery(\"SELECT version FROM meta\")) {",
                "      rs.next();",
                "      System.out.println(\"version=\" + rs.getInt(1));",
                "    }",
                "    try {",
                "      DriverManager.getConnection(args[1]).close();",
                "      System.out.println(\"s3 connected?!\");",
                "    } catch (SQLException e) {",
                "      System.out.println(\"state=\" + e.getSQLState() + \" message=\" + e.getMessage());",
                "    }",
                "    try { Class.forName(\"software.amazon.awssdk.services.s3.S3Client\"); System.out.println(\"sdk present?!\"); }",
                "    catch (ClassNotFoundException expected) { System.out.println(\"no sdk\"); }",
                "  }",
                "}"), classPath, Map.of(), SnapshotFiles.url(target),
                "jdbc:duckdb-serving:s3://lake/prefix/analytics.duckdb;serving_replica_dir=" + dir.resolve("replicas"));
        assertTrue(output.contains("version=5"), output);
        assertTrue(output.contains("no sdk"), "the class path really lacks the SDK: " + output);
        assertTrue(output.contains("state=08001") && output.contains("s3://lake/prefix/analytics.duckdb")
                && output.contains("-all jar") && output.contains("software.amazon.awssdk:s3")
                && output.contains("url-connection-client") && output.contains("jackson-databind"), output);
    }

    /** The plain jar (not -all, -tests or -sources) beside the driver's classes, in this build's directory. */
    private static Path plainJar() throws Exception {
        return ProbeJvm.builtJar(n -> n.startsWith("duckdb-serving-jdbc-") && n.endsWith(".jar")
                && !n.endsWith("-all.jar") && !n.endsWith("-tests.jar") && !n.endsWith("-sources.jar")
                && !n.endsWith("-javadoc.jar"), "plain driver jar");
    }
}
