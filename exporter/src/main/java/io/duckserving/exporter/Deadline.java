package io.duckserving.exporter;

import java.time.Duration;

/**
 * One wait budget shared by the steps that wait for somebody else (another exporter of the
 * target, then a pipeline writing the source), so {@code --wait} bounds the whole wait rather
 * than each step. Saturates instead of overflowing: a wait longer than {@code Long.MAX_VALUE}
 * nanoseconds (about 292 years) is simply "forever".
 */
final class Deadline {

    private final Duration wait;
    private final long startNanos;
    private final long waitNanos;

    private Deadline(Duration wait) {
        this.wait = wait;
        this.startNanos = System.nanoTime();
        this.waitNanos = saturatedNanos(wait);
    }

    static Deadline after(Duration wait) {
        return new Deadline(wait);
    }

    /** Nanoseconds left, 0 once expired. Comparing elapsed time (not an end instant) cannot overflow. */
    long remainingNanos() {
        long elapsed = System.nanoTime() - startNanos;
        return Math.max(0, waitNanos - elapsed);
    }

    /** For messages: whole seconds left, rounded up so that a fresh 60 s budget reads "60". */
    long remainingSeconds() {
        long nanos = remainingNanos();
        return nanos / 1_000_000_000L + (nanos % 1_000_000_000L == 0 ? 0 : 1);
    }

    boolean expired() {
        return remainingNanos() == 0;
    }

    /** The whole budget, for messages ("waited 60 s"). */
    Duration budget() {
        return wait;
    }

    private static long saturatedNanos(Duration d) {
        if (d.isNegative()) {
            return 0;
        }
        try {
            return d.toNanos();
        } catch (ArithmeticException tooLong) {
            return Long.MAX_VALUE;
        }
    }
}
