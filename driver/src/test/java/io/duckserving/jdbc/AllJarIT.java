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

/** What a BI tool gets: the -all jar alone on the class path, the driver found by DriverManager. */
class AllJarIT {
    @TempDir
    Path dir;

    @Test
    void driverManagerFindsTheDriverWithOnlyTheAllJarOnTheClassPath() throws Exception {
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
                "      System.out.println(\"version=\" + rs.getInt(1) + \" driver=\" + DriverManager.getDriver(args[0]).getClass().getName());",
                "    }",
                "  }",
                "}"));
        Path allJar = allJar();
        String java = Paths.get(System.getProperty("java.home"), "bin", "java").toString();
        Process process = new ProcessBuilder(java, "-cp", allJar.toString(), probe.toString(), SnapshotFiles.url(target))
                .redirectErrorStream(true)
                .start();
        process.getOutputStream().close();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "the probe did not finish: " + output);
        assertEquals(0, process.exitValue(), output);
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
            Path probe = dir.resolve("S3Probe.java");
            Files.writeString(probe, String.join("\n",
                    "import java.sql.*;",
                    "public class S3Probe {",
                    "  public static void main(String[] args) throws Exception {",
                    "    try (Connection c = DriverManager.getConnection(args[0]); Statement s = c.createStatement();",
                    "         ResultSet rs = s.executeQuery(\"SELECT version FROM meta\")) {",
                    "      rs.next();",
                    "      System.out.println(\"version=\" + rs.getInt(1));",
                    "    }",
                    "  }",
                    "}"));
            String java = Paths.get(System.getProperty("java.home"), "bin", "java").toString();
            ProcessBuilder b = new ProcessBuilder(java, "-cp", allJar().toString(), probe.toString(),
                    "jdbc:duckdb-serving:s3://lake/bi/analytics.duckdb;serving_replica_dir=" + dir.resolve("replicas")
                            + ";serving_s3_path_style=true")
                    .redirectErrorStream(true);
            b.environment().putAll(server.awsEnvironment()); // credentials, region and endpoint as AWS tools read them
            Process process = b.start();
            process.getOutputStream().close();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(process.waitFor(60, TimeUnit.SECONDS), "the probe did not finish: " + output);
            assertEquals(0, process.exitValue(), output);
            assertTrue(output.contains("version=7"), output);
        }
    }

    /** The -all jar beside the driver's classes or jar, in whatever build directory this build uses. */
    private static Path allJar() throws Exception {
        Path classes = Paths.get(ServingDriver.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        Path buildDir = classes.getParent();
        try (Stream<Path> files = Files.list(buildDir)) {
            List<Path> jars = files.filter(p -> p.getFileName().toString().endsWith("-all.jar"))
                    .collect(Collectors.toList());
            if (jars.size() != 1) {
                throw new IOException("expected one -all.jar in " + buildDir + " (built by mvn package), found " + jars);
            }
            return jars.get(0);
        }
    }
}
