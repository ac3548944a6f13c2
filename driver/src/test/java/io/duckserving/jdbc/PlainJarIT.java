package io.duckserving.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
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
        Path probe = dir.resolve("Probe.java");
        Files.writeString(probe, String.join("\n",
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
                "}"));
        String classPath = plainJar() + java.io.File.pathSeparator
                + Paths.get(org.duckdb.DuckDBDriver.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        String java = Paths.get(System.getProperty("java.home"), "bin", "java").toString();
        Process process = new ProcessBuilder(java, "-cp", classPath, probe.toString(), SnapshotFiles.url(target),
                "jdbc:duckdb-serving:s3://lake/prefix/analytics.duckdb;serving_replica_dir=" + dir.resolve("replicas"))
                .redirectErrorStream(true)
                .start();
        process.getOutputStream().close();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "the probe did not finish: " + output);
        assertEquals(0, process.exitValue(), output);
        assertTrue(output.contains("version=5"), output);
        assertTrue(output.contains("no sdk"), "the class path really lacks the SDK: " + output);
        assertTrue(output.contains("state=08001") && output.contains("s3://lake/prefix/analytics.duckdb")
                && output.contains("-all jar") && output.contains("software.amazon.awssdk:s3")
                && output.contains("url-connection-client") && output.contains("jackson-databind"), output);
    }

    /** The plain jar (not -all, -tests or -sources) beside the driver's classes, in this build's directory. */
    private static Path plainJar() throws Exception {
        Path classes = Paths.get(ServingDriver.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        Path buildDir = classes.getParent();
        try (Stream<Path> files = Files.list(buildDir)) {
            List<Path> jars = files.filter(p -> {
                String n = p.getFileName().toString();
                return n.startsWith("duckdb-serving-jdbc-") && n.endsWith(".jar") && !n.endsWith("-all.jar")
                        && !n.endsWith("-tests.jar") && !n.endsWith("-sources.jar") && !n.endsWith("-javadoc.jar");
            }).collect(Collectors.toList());
            if (jars.size() != 1) {
                throw new IOException("expected one plain driver jar in " + buildDir + " (built by mvn package), found " + jars);
            }
            return jars.get(0);
        }
    }
}
