package io.duckserving.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JdbiExampleTest {

    @Test
    void transactionAcrossAPublishSeesOneSnapshot(@TempDir Path dir) throws Exception {
        JdbiExample.Result result = JdbiExample.run(dir);

        assertEquals(1, result.transactionStart().runId());
        assertEquals(result.transactionStart(), result.transactionEnd(), result.describe());
        assertEquals(12, result.originsInTransaction());
        assertEquals(2, result.published().run().runId());
        assertEquals(2, result.afterTransaction().runId(), result.describe());
        assertEquals(result.published().publishId(), result.afterTransaction().publishId());
    }
}
