package io.duckserving.jdbc.replica;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The background poll outlives an Error thrown inside it (the executor would swallow it, and the poll end for good). */
class PollSurvivesErrorsTest {
    @TempDir
    Path dir;

    @Test
    void anErrorInOnePollDoesNotEndThePolling() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        ObjectStore failingOnce = new ObjectStore() {
            @Override
            public Fetched getIfChanged(String bucket, String key, String ifNoneMatch) {
                if (calls.incrementAndGet() == 1) {
                    throw new NoClassDefFoundError("software/amazon/awssdk/SomethingLoadedLate");
                }
                return null; // unchanged
            }

            @Override
            public void read(String bucket, String key, long expectedSize, ObjectReader reader) throws IOException {
                throw new IOException("not used");
            }

            @Override
            public void close() {
            }
        };
        Replica replica = new Replica(new S3Location("lake", "prefix/analytics.duckdb"), new S3Options(null, "us-east-1", true),
                dir, failingOnce, 20, 0);
        try {
            replica.startPolling(20, 0);
            long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            while (replica.getPolls() < 3 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertTrue(replica.getPolls() >= 3, "polls after the error: " + replica.getPolls());
            assertEquals(1, replica.getPollFailures());
            assertEquals("", replica.getLastFailure(), "the next poll succeeded");
        } finally {
            replica.close();
        }
    }
}
