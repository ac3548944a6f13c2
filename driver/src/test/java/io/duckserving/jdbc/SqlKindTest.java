package io.duckserving.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;

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
        "''|OTHER",
    })
    void classifiesByLeadingKeywords(String sql, SqlKind expected) {
        assertEquals(expected, SqlKind.of(sql.replace("\\n", "\n")));
    }
}
