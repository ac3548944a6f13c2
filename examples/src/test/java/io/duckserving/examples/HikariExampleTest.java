package io.duckserving.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HikariExampleTest {

    @Test
    void defaultPoolMovesEveryConnectionWithOneOpen(@TempDir Path dir) throws Exception {
        HikariExample.Result result = HikariExample.run(dir);

        assertEquals(10, result.poolSize(), "HikariCP's default maximumPoolSize");
        assertEquals(1, result.before().runId());
        assertEquals(result.poolSize(), result.afterOnEveryConnection().size());
        for (SnapshotView seen : result.afterOnEveryConnection()) {
            assertEquals(2, seen.runId(), result.describe());
            assertEquals(result.published().publishId(), seen.publishId(), result.describe());
        }
        assertEquals(1, result.duckdbOpensForTheSwap(), result.describe());
    }
}
