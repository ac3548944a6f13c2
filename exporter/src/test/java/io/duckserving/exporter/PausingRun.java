package io.duckserving.exporter;

import java.nio.file.Path;
import java.time.Duration;

/**
 * A rollback or prune through the library API in a JVM of its own that stops dead on the progress
 * line starting with a given text, so that a test can SIGKILL it exactly at that step. No seam in
 * the exporter: its own progress callback is where it waits.
 * Arguments: {@code rollback|prune <target> <line start> [publish id | keep]}.
 */
final class PausingRun {

    static final String PAUSED = "paused at: ";

    private PausingRun() {
    }

    public static void main(String[] args) throws Exception {
        Path target = Path.of(args[1]);
        String pauseAt = args[2];
        Publications publications = Publications.of(target).progress(line -> {
            if (line.startsWith(pauseAt)) {
                System.out.println(PAUSED + line);
                System.out.flush();
                try {
                    Thread.sleep(Long.MAX_VALUE);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        });
        if (args[0].equals("rollback")) {
            publications.rollback(args.length > 3 ? args[3] : null);
        } else {
            publications.prune(Integer.parseInt(args[3]), Duration.ZERO);
        }
        System.out.println("finished without reaching '" + pauseAt + "'");
    }
}
