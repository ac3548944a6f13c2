package io.duckserving.exporter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

class CopyHeartbeatTest {
    @Test
    void reportsAWhileATableCopiesAndStopsWhenClosed() throws Exception {
        List<String> lines = new CopyOnWriteArrayList<>();
        SourceTable orders = new SourceTable("serving", "orders", true);
        try (CopyHeartbeat heartbeat = CopyHeartbeat.start(orders, lines::add, Duration.ofMillis(20))) {
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (lines.size() < 2 && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
        }
        assertTrue(lines.size() >= 2, "a line per interval while the copy runs: " + lines);
        assertTrue(lines.get(0).startsWith("still copying view serving.orders: "), lines.get(0));
        Thread.sleep(50); // a beat already running when the copy ended may still print once
        int afterClose = lines.size();
        Thread.sleep(100);
        assertEquals(afterClose, lines.size(), "no line once the table is copied");
    }
}
