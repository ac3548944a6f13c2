package io.duckserving.jdbc;

import java.time.Duration;

/** Waits for a condition with a deadline instead of sleeping a fixed time and hoping. */
final class Poll {
    interface Condition {
        boolean holds() throws Exception;
    }

    private Poll() {
    }

    /** Polls every few milliseconds until {@code condition} holds; fails with {@code what} at the deadline. */
    static void until(Duration timeout, String what, Condition condition) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.holds()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("still not true after " + timeout.toMillis() + " ms: " + what);
            }
            Thread.sleep(10);
        }
    }
}
