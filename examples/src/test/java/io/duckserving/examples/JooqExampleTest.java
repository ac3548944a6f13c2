package io.duckserving.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.jooq.SQLDialect;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JooqExampleTest {

    @Test
    void duckdbDialectGivenExplicitlyFollowsThePublish(@TempDir Path dir) throws Exception {
        JooqExample.Result result = JooqExample.run(dir);

        // jOOQ recognises only jdbc:duckdb: URLs; that is why the dialect must be given.
        assertEquals(SQLDialect.DEFAULT, result.detectedFromUrl(), result.describe());
        assertEquals(1, result.runBefore());
        assertEquals(2, result.runAfter());
        assertEquals(result.published().run().asOf(), result.asOfAfter());
        assertEquals(3, result.priciestOrigins().size());
        assertTrue(result.renderedSql().contains("\"serving\".\"origin_summary\""), result.renderedSql());
    }
}
