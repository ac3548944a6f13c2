package io.duckserving.exporter;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Starts the exporter CLI or a helper main class as a separate JVM, the way users and pipelines do. */
final class ChildJvm {

    private ChildJvm() {
    }

    static Path exporterJar() {
        String jar = System.getProperty("exporter.jar");
        if (jar == null || !Files.isRegularFile(Path.of(jar))) {
            throw new IllegalStateException("system property exporter.jar must name the built -all jar, is: " + jar
                    + " (run the *IT tests through mvn verify)");
        }
        return Path.of(jar);
    }

    private static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** {@code java -jar <exporter-all.jar> args...}: no extra JVM flags, as the README tells users. */
    static Process exporter(List<String> args) throws IOException {
        return exporter(args, Map.of());
    }

    /** The same with these variables added to its environment (AWS_ACCESS_KEY_ID... for s3:// targets). */
    static Process exporter(List<String> args, Map<String, String> environment) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(java(), "-jar", exporterJar().toString()));
        cmd.addAll(args);
        ProcessBuilder builder = new ProcessBuilder(cmd);
        builder.environment().putAll(environment);
        return builder.start();
    }

    /** A main class from the test class path in its own JVM. */
    static Process main(Class<?> mainClass, String... args) throws IOException {
        return main(List.of("--add-opens=java.base/java.nio=ALL-UNNAMED"), mainClass, args);
    }

    /** A main class from the test class path in its own JVM with exactly these JVM options. */
    static Process main(List<String> jvmOptions, Class<?> mainClass, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(java()));
        cmd.addAll(jvmOptions);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), mainClass.getName()));
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    }

    /** A finished exporter run: exit code and both outputs. */
    record Result(int exitCode, String stdout, String stderr) {
    }

    static Result runExporter(long timeoutSeconds, String... args) throws Exception {
        return runExporter(timeoutSeconds, Map.of(), args);
    }

    static Result runExporter(long timeoutSeconds, Map<String, String> environment, String... args) throws Exception {
        Process p = exporter(List.of(args), environment);
        p.getOutputStream().close();
        CompletableFuture<String> out = readAsync(p.getInputStream());
        CompletableFuture<String> err = readAsync(p.getErrorStream());
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("exporter did not finish in " + timeoutSeconds + " s: " + String.join(" ", args));
        }
        return new Result(p.exitValue(), out.get(), err.get());
    }

    static CompletableFuture<String> readAsync(InputStream in) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                return "<unreadable: " + e + ">";
            }
        });
    }

    /** Reads lines until one contains {@code marker}; fails if the stream ends first. */
    static void awaitLine(InputStream in, String marker) throws IOException {
        BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
        String line;
        while ((line = reader.readLine()) != null) {
            if (line.contains(marker)) {
                return;
            }
        }
        throw new AssertionError("child ended without printing '" + marker + "'");
    }
}
