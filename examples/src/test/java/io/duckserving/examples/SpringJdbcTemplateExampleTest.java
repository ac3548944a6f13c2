package io.duckserving.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.jdbc.BadSqlGrammarException;

class SpringJdbcTemplateExampleTest {

    @Test
    void queriesFollowThePublishAndBadSqlBecomesBadSqlGrammarException(@TempDir Path dir) throws Exception {
        SpringJdbcTemplateExample.Result result = SpringJdbcTemplateExample.run(dir);

        assertEquals(1, result.before().runId());
        assertEquals(2, result.after().runId());
        assertEquals(result.published().publishId(), result.after().publishId());
        assertEquals(3, result.topOriginsByExports().size());
        assertEquals("Brazil", result.topOriginsByExports().get(0), "Brazil ships the most coffee");
        assertInstanceOf(BadSqlGrammarException.class, result.badQueryError(), result.describe());
        assertTrue(result.sqlState().startsWith("42"), result.describe());
    }
}
