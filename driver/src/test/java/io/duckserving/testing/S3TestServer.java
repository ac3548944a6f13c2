package io.duckserving.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A real S3-compatible server for tests: S3Proxy's self-contained jar (put at the system property
 * {@code s3proxy.jar} by the build) run as a child process on a loopback port, with a
 * file-system backend under a directory of the test and SigV4 authentication. Being a process of
 * its own it can be stopped and started again on the same port with its objects intact (an
 * outage), and none of its libraries meet the code under test.
 */
public final class S3TestServer implements AutoCloseable {
    public static final String ACCESS_KEY = "test-access-key";
    public static final String SECRET_KEY = "test-secret-key";
    public static final String REGION = "us-east-1";

    private final Path directory;
    private final int port;
    private Process process;

    private S3TestServer(Path directory, int port) {
        this.directory = directory;
        this.port = port;
    }

    /** Starts a server storing its buckets under {@code directory} (created if missing). */
    public static S3TestServer start(Path directory) throws IOException {
        S3TestServer server = new S3TestServer(directory, freePort());
        server.startProcess();
        return server;
    }

    /** The jar the build copied, with a message that says how to get it when it is missing. */
    public static Path jar() {
        String configured = System.getProperty("s3proxy.jar");
        if (configured == null || !Files.isRegularFile(Paths.get(configured))) {
            throw new IllegalStateException("S3Proxy's jar is not at the system property s3proxy.jar (" + configured
                    + "): run the tests through Maven, which copies it (maven-dependency-plugin, execution s3proxy-jar)");
        }
        return Paths.get(configured);
    }

    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + port);
    }

    public int port() {
        return port;
    }

    /** Creates a bucket by making its directory, as the file-system backend stores one. */
    public void createBucket(String bucket) throws IOException {
        Files.createDirectories(directory.resolve("data").resolve(bucket));
    }

    /**
     * System properties and environment that point the AWS SDK's default chains at this server,
     * for a child JVM: credentials, region and endpoint the way AWS tools read them.
     */
    public Map<String, String> awsEnvironment() {
        return Map.of("AWS_ACCESS_KEY_ID", ACCESS_KEY, "AWS_SECRET_ACCESS_KEY", SECRET_KEY, "AWS_REGION", REGION,
                "AWS_ENDPOINT_URL_S3", endpoint().toString());
    }

    /** Kills the server (SIGKILL): clients see connection refused until {@link #restart()}. */
    public void stop() throws InterruptedException {
        if (process != null) {
            process.destroyForcibly();
            process.waitFor(30, TimeUnit.SECONDS);
            process = null;
        }
    }

    /** Starts the server again on the same port, with the objects it stored. */
    public void restart() throws IOException {
        if (process == null) {
            startProcess();
        }
    }

    public boolean running() {
        return process != null && process.isAlive();
    }

    @Override
    public void close() throws InterruptedException {
        stop();
    }

    private void startProcess() throws IOException {
        Path data = Files.createDirectories(directory.resolve("data"));
        Path config = directory.resolve("s3proxy.conf");
        Files.writeString(config, String.join("\n",
                "s3proxy.authorization=aws-v2-or-v4",
                "s3proxy.identity=" + ACCESS_KEY,
                "s3proxy.credential=" + SECRET_KEY,
                "s3proxy.endpoint=" + endpoint(),
                "jclouds.provider=filesystem-nio2",
                "jclouds.filesystem.basedir=" + data,
                ""), StandardCharsets.UTF_8);
        List<String> command = new ArrayList<>();
        command.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xmx256m");
        command.add("-jar");
        command.add(jar().toString());
        command.add("--properties");
        command.add(config.toString());
        Path log = directory.resolve("s3proxy.log");
        process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!accepts()) {
            if (!process.isAlive()) {
                throw new IOException("S3Proxy exited with " + process.exitValue() + " while starting; see " + log);
            }
            if (System.nanoTime() - deadline > 0) {
                process.destroyForcibly();
                throw new IOException("S3Proxy did not accept connections on port " + port + " within 60 s; see " + log);
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while S3Proxy started", e);
            }
        }
    }

    private boolean accepts() {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
