package io.duckserving.examples.hosts;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A {@link ReaderNode} JVM seen from the parent: it is started with the environment a host would
 * have (credentials, region, endpoint), its report lines are collected as they come, and it is
 * ended by closing its standard input.
 */
final class ReaderNodeProcess implements AutoCloseable {
    /** A reader thread's first query on a publish, at the node's clock (the parent's: one machine). */
    record Served(String publishId, long epochMillis) {
    }

    final String name;
    private final Process process;
    private final Thread collector;
    private final List<Served> served = new ArrayList<>();
    private final List<String> errors = new ArrayList<>();
    private String summary;
    private boolean ready;

    private ReaderNodeProcess(String name, Process process) {
        this.name = name;
        this.process = process;
        this.collector = new Thread(this::collect, name + "-output");
        this.collector.setDaemon(true);
        this.collector.start();
    }

    static ReaderNodeProcess start(String name, String url, Map<String, String> environment, Path log)
            throws IOException {
        List<String> command = List.of(Paths.get(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m", "-cp", System.getProperty("java.class.path"), ReaderNode.class.getName(), url);
        ProcessBuilder builder = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()));
        builder.environment().putAll(environment);
        return new ReaderNodeProcess(name, builder.start());
    }

    private void collect() {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(),
                StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                synchronized (this) {
                    if (line.startsWith("ready ")) {
                        ready = true;
                    } else if (line.startsWith("serving ")) {
                        String[] parts = line.split(" ");
                        served.add(new Served(parts[1], Long.parseLong(parts[2])));
                    } else if (line.startsWith("error ") || line.startsWith("torn ")) {
                        errors.add(line);
                    } else if (line.startsWith("summary ")) {
                        summary = line.substring("summary ".length());
                    }
                    notifyAll();
                }
            }
        } catch (IOException e) {
            synchronized (this) {
                errors.add("lost the node's output: " + e);
                notifyAll();
            }
        }
    }

    /** Waits until the node has connected (its first download done); false on a timeout or an exit. */
    synchronized boolean awaitReady(long timeoutMillis) throws InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutMillis;
        while (!ready && process.isAlive()) {
            long left = deadline - System.currentTimeMillis();
            if (left <= 0) {
                return false;
            }
            wait(left);
        }
        return ready;
    }

    /**
     * The first time at or after {@code sinceMillis} that a query of this node ran on
     * {@code publishId}, waiting up to {@code timeoutMillis} for it; -1 if it did not happen.
     */
    synchronized long awaitServing(String publishId, long sinceMillis, long timeoutMillis) throws InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutMillis;
        while (true) {
            for (Served s : served) {
                if (s.publishId().equals(publishId) && s.epochMillis() >= sinceMillis) {
                    return s.epochMillis();
                }
            }
            long left = deadline - System.currentTimeMillis();
            if (left <= 0 || !process.isAlive()) {
                return -1;
            }
            wait(Math.min(left, 100));
        }
    }

    synchronized List<String> errors() {
        return List.copyOf(errors);
    }

    /** Ends the node and returns its summary's fields (empty if it printed none). */
    Map<String, String> finish() throws InterruptedException, IOException {
        process.getOutputStream().close();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
        collector.join(10_000);
        Map<String, String> fields = new LinkedHashMap<>();
        synchronized (this) {
            if (summary != null) {
                for (String pair : summary.split(" ")) {
                    int eq = pair.indexOf('=');
                    if (eq > 0) {
                        fields.put(pair.substring(0, eq), pair.substring(eq + 1));
                    }
                }
            }
        }
        return fields;
    }

    @Override
    public void close() {
        process.destroyForcibly();
    }
}
