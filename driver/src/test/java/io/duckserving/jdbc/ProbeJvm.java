package io.duckserving.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * A one-file Java program run in a JVM of its own with exactly the class path a user would have
 * (the built jars, not the test class path): what the jar tests probe with.
 */
final class ProbeJvm {
    private ProbeJvm() {
    }

    /**
     * Writes {@code source} as {@code dir/<className>.java}, runs it with {@code classPath},
     * {@code environment} added and {@code args}, and returns its output once it exited with 0.
     */
    static String run(Path dir, String className, List<String> source, String classPath,
            Map<String, String> environment, String... args) throws Exception {
        Path program = dir.resolve(className + ".java");
        Files.writeString(program, String.join("\n", source));
        List<String> command = new java.util.ArrayList<>(List.of(
                Paths.get(System.getProperty("java.home"), "bin", "java").toString(), "-cp", classPath,
                program.toString()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().putAll(environment);
        Process process = builder.start();
        process.getOutputStream().close();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(60, java.util.concurrent.TimeUnit.SECONDS), "the probe did not finish: " + output);
        assertEquals(0, process.exitValue(), output);
        return output;
    }

    /** The one jar of this build (beside the driver's classes, whatever the build directory) whose name matches. */
    static Path builtJar(Predicate<String> name, String what) throws Exception {
        Path classes = Paths.get(ServingDriver.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        Path buildDir = classes.getParent();
        try (Stream<Path> files = Files.list(buildDir)) {
            List<Path> jars = files.filter(p -> name.test(p.getFileName().toString())).collect(Collectors.toList());
            if (jars.size() != 1) {
                throw new IOException("expected one " + what + " in " + buildDir + " (built by mvn package), found " + jars);
            }
            return jars.get(0);
        }
    }
}
