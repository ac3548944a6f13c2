package io.duckserving.exporter;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the local-target tests of the handoff and the history share: per test a lakehouse in
 * {@code lake/}, and the target {@code pub/analytics.duckdb} with its history directory beside it.
 */
abstract class LocalTargetTestCase {
    @TempDir
    Path dir;

    Path lake;
    Path pub;
    Path target;
    Path history;

    @BeforeEach
    void createLakehouse() throws Exception {
        lake = Files.createDirectories(dir.resolve("lake")).resolve("lakehouse.duckdb");
        Lakehouse.create(lake, lakehouseDays());
        pub = Files.createDirectories(dir.resolve("pub"));
        target = pub.resolve("analytics.duckdb");
        history = pub.resolve(".analytics.duckdb.history");
    }

    /** How big a lakehouse the tests export ({@link Lakehouse#create}). */
    abstract int lakehouseDays();
}
