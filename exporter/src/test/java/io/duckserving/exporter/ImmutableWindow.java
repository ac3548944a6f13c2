package io.duckserving.exporter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * An export's progress listener that makes a file immutable ({@code chattr +i}, root only) from
 * one progress line to another, so the kernel refuses link(2) with EPERM in between, as a file
 * system without hard links would (none is at hand here): no seam in the exporter. Closing it
 * makes the file mutable again if the second line never came, so that @TempDir can be deleted.
 */
final class ImmutableWindow implements Consumer<String>, AutoCloseable {
    private final List<String> lines;
    private final String from;
    private final Callable<Path> file;
    private final String until;
    private Path immutable;

    /** Records every line in {@code lines}; {@code file} is asked for the file at the line starting with {@code from}. */
    ImmutableWindow(List<String> lines, String from, Callable<Path> file, String until) {
        this.lines = lines;
        this.from = from;
        this.file = file;
        this.until = until;
    }

    @Override
    public void accept(String line) {
        lines.add(line);
        try {
            if (line.startsWith(from)) {
                immutable = file.call();
                chattr("+i", immutable);
            } else if (line.startsWith(until) && immutable != null) {
                chattr("-i", immutable);
                immutable = null;
            }
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @Override
    public void close() throws Exception {
        if (immutable != null) {
            chattr("-i", immutable);
        }
    }

    private static void chattr(String flag, Path path) throws Exception {
        Process p = new ProcessBuilder("chattr", flag, path.toString()).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "chattr " + flag + " " + path + " did not finish");
        assertEquals(0, p.exitValue(), "chattr " + flag + " " + path + " failed (it needs root): " + output);
    }
}
