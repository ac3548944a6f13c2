package io.duckserving.jdbc.snapshot;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SqlKindTest {
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "SELECT 42|OTHER",
        "  with x as (select 1) select * from x|OTHER",
        "SETTINGS_TABLE|OTHER",
        "select * from settings|OTHER",
        "SET TimeZone='UTC'|SESSION",
        "set search_path = 'a,b'|SESSION",
        "/* DBeaver */ USE analytics|SESSION",
        "-- comment\\nRESET threads|SESSION",
        "ATTACH '/x.duckdb' AS x|SESSION",
        "DETACH x|SESSION",
        "LOAD json|SESSION",
        "PREPARE p AS SELECT 1|SESSION",
        "/* tool */ prepare q as select ?|SESSION",
        "DEALLOCATE p|SESSION",
        "deallocate prepare p|SESSION",
        "EXECUTE p|OTHER",
        "PREPARED|OTHER",
        "DEALLOCATED|OTHER",
        "useless|OTHER",
        "CREATE TEMP TABLE t AS SELECT 1|CREATE_TEMPORARY",
        "create temporary view v as select 1|CREATE_TEMPORARY",
        "CREATE OR REPLACE TEMP MACRO m(a) AS a|CREATE_TEMPORARY",
        "CREATE TABLE t(i INT)|OTHER",
        "CREATE OR REPLACE TABLE t(i INT)|OTHER",
        "DROP TABLE tt|DROP",
        "BEGIN TRANSACTION|BEGIN",
        "start transaction|BEGIN",
        "COMMIT|END",
        "end|END",
        "ROLLBACK|END",
        "ABORT|END",
        "(SELECT 1)|OTHER",
        "SELECT 1;|OTHER",
        "SELECT ';' AS semicolon|OTHER",
        "SELECT 1 -- ; not a second statement|OTHER",
        "SELECT 1; CREATE TEMP TABLE t AS SELECT 1|SCRIPT",
        "SELECT 1; SET search_path = 'other'|SCRIPT",
        "''|OTHER",
    })
    void classifiesByLeadingKeywords(String sql, SqlKind expected) {
        assertEquals(expected, SqlKind.of(sql.replace("\\n", "\n")));
    }

    @Test
    void splitsScriptsAtTopLevelSemicolonsOnly() {
        assertEquals(List.of("SELECT 'a;b'", "SET x = $$;$$", "/* ; */ SELECT 2"),
                SqlKind.statements("SELECT 'a;b'; SET x = $$;$$;\n/* ; */ SELECT 2; ;"));
    }

    /** What a warm-up may run again behind the user's back: one statement that only reads. */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "SELECT count(*) FROM t | true",
        "  /* dashboard tile */ select 1 | true",
        "WITH x AS (SELECT 1) SELECT * FROM x | true",
        "FROM t | true",
        "(SELECT 1) UNION (SELECT 2) | true",
        "VALUES (1), (2) | true",
        "PIVOT t ON v USING count(*) | true",
        "SET threads = 1 | false",
        "COPY t TO 'x.csv' | false",
        "CALL enable_logging() | false",
        "PRAGMA database_size | false",
        "INSERT INTO t VALUES (1) | false",
        "EXPORT DATABASE 'x' | false",
        "SELECT 1; SELECT 2 | false",
        "CREATE TEMP TABLE x AS SELECT 1 | false",
        "ATTACH 'x.duckdb' | false",
    })
    void onlySingleReadingStatementsAreReadQueries(String sql, boolean reads) {
        assertEquals(reads, SqlKind.isReadQuery(sql), sql);
    }
}
