package io.duckserving.jdbc;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** A second JVM running {@link WriteLockHolder} on one file: started, waited for, and stopped by the test. */
final class LockHolderProcess implements AutoCloseable {
    private final Process process;
    private final StringBuilder output = new StringBuilder();

    private LockHolderProcess(Process process) {
        this.process = process;
    }

    /** Starts the holder and returns once it holds the write lock on {@code file}. */
    static LockHolderProcess lock(Path file) throws Exception {
        String java = Paths.get(System.getProperty("java.home"), "bin", "java").toString();
        Process process = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                WriteLockHolder.class.getName(), file.toString())
                .redirectErrorStream(true)
                .start();
        LockHolderProcess holder = new LockHolderProcess(process);
        try {
            holder.awaitLocked(Duration.ofSeconds(30));
        } catch (Exception | AssertionError e) {
            holder.close();
            throw e;
        }
        return holder;
    }

    private void awaitLocked(Duration timeout) throws Exception {
        BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        CompletableFuture<Boolean> locked = CompletableFuture.supplyAsync(() -> {
            try {
                for (String line = out.readLine(); line != null; line = out.readLine()) {
                    synchronized (output) {
                        output.append(line).append('\n');
                    }
                    if (line.equals(WriteLockHolder.LOCKED)) {
                        return true;
                    }
                }
                return false;
            } catch (IOException e) {
                return false;
            }
        });
        Boolean ok = locked.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (!ok) {
            synchronized (output) {
                throw new AssertionError("the lock holder did not lock; its output:\n" + output);
            }
        }
    }

    long pid() {
        return process.pid();
    }

    /** Lets go of the lock: closes the holder's standard input and waits for it to exit. */
    @Override
    public void close() throws Exception {
        try {
            process.getOutputStream().close();
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } finally {
            if (process.isAlive()) {
                process.destroyForcibly();
            }
        }
    }
}
