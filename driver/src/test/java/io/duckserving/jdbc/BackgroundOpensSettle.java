package io.duckserving.jdbc;

import io.duckserving.jdbc.snapshot.EngineTestAccess;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Registered for every test of the driver (JUnit's extension auto-detection): after each test,
 * before JUnit deletes its {@code @TempDir}, waits for opens the directory watch started in the
 * background for the last file the test published (real behaviour, not a test artefact: the
 * driver opens a new file as soon as it appears).
 */
public final class BackgroundOpensSettle implements AfterEachCallback {
    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        EngineTestAccess.awaitBackgroundOpens(10_000);
    }
}
