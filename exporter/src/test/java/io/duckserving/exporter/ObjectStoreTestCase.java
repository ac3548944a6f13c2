package io.duckserving.exporter;

import io.duckserving.testing.S3TestServer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the object-target tests share: one real S3TestServer per class, and per test a fresh
 * bucket, a lakehouse to export and a work directory; the server runs at the start of each test
 * (one that stopped it may have failed before restarting it).
 */
abstract class ObjectStoreTestCase {
    static ObjectStoreFixture s3;

    @TempDir
    static Path serverDir;

    @TempDir
    Path dir;

    Path lake;
    Path work;
    String bucket;

    @BeforeAll
    static void startServer() throws Exception {
        s3 = new ObjectStoreFixture(S3TestServer.start(serverDir));
    }

    @AfterAll
    static void stopServer() throws Exception {
        s3.close();
    }

    @BeforeEach
    void createLakehouseAndBucket() throws Exception {
        lake = dir.resolve("lakehouse.duckdb");
        Lakehouse.create(lake, lakehouseDays());
        work = Files.createDirectories(dir.resolve("work"));
        bucket = s3.newBucket();
        s3.server.restart();
    }

    /** How big a lakehouse the tests export ({@link Lakehouse#create}). */
    int lakehouseDays() {
        return 100;
    }
}
