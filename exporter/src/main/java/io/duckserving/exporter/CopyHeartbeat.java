package io.duckserving.exporter;

import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A progress line every few seconds while one table copies: DuckDB copies a table in one
 * statement, so without it a large table would leave the operator with minutes of silence.
 */
final class CopyHeartbeat implements AutoCloseable {
    private static final Duration INTERVAL = Duration.ofSeconds(10);
    private static final ScheduledExecutorService TIMER = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "duckdb-serving-export-progress");
        t.setDaemon(true);
        return t;
    });

    private final ScheduledFuture<?> beat;

    private CopyHeartbeat(ScheduledFuture<?> beat) {
        this.beat = beat;
    }

    static CopyHeartbeat start(SourceTable table, Consumer<String> progress) {
        return start(table, progress, INTERVAL);
    }

    static CopyHeartbeat start(SourceTable table, Consumer<String> progress, Duration interval) {
        long start = System.nanoTime();
        long every = interval.toMillis();
        return new CopyHeartbeat(TIMER.scheduleAtFixedRate(() -> progress.accept(String.format(Locale.ROOT,
                "still copying %s %s.%s: %d s so far", table.view() ? "view" : "table", table.schema(), table.name(),
                TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start))),
                every, every, TimeUnit.MILLISECONDS));
    }

    @Override
    public void close() {
        beat.cancel(false);
    }
}
