package io.duckserving.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DriverManagerExampleTest {

    @Test
    void keptConnectionAndPreparedStatementFollowThePublish(@TempDir Path dir) throws Exception {
        DriverManagerExample.Result result = DriverManagerExample.run(dir);

        assertEquals(1, result.before().runId());
        assertEquals(2, result.after().runId());
        assertEquals(result.published().publishId(), result.after().publishId());
        assertNotEquals(result.before().publishId(), result.after().publishId());
        assertTrue(result.after().asOf().isAfter(result.before().asOf()));
        assertNotNull(result.priceBefore());
        assertNotNull(result.priceAfter());
        assertTrue(result.describe().contains("after the publish:  run 2"), result.describe());
    }
}
