package io.duckserving.jdbc;

import java.util.Locale;

/**
 * What a statement does to the session, judged by its leading keywords: enough to replay session
 * settings on a new snapshot, pin on temporary objects, and follow transactions begun in SQL.
 */
enum SqlKind {
    /** Anything that leaves the session as it was: queries, and writes (which DuckDB refuses anyway). */
    OTHER,
    /** SET, RESET, USE, ATTACH, DETACH, LOAD: replayed on every new snapshot, in order. */
    SESSION,
    /** CREATE TEMP ...: cannot be replayed honestly, so the connection stays on its snapshot. */
    CREATE_TEMPORARY,
    /** DROP ...: may drop the last temporary object and so end a pin. */
    DROP,
    BEGIN,
    /** COMMIT, END, ROLLBACK, ABORT. */
    END;

    static SqlKind of(String sql) {
        int i = skipBlanksAndComments(sql, 0);
        String first = word(sql, i);
        switch (first) {
            case "SET":
            case "RESET":
            case "USE":
            case "ATTACH":
            case "DETACH":
            case "LOAD":
                return SESSION;
            case "DROP":
                return DROP;
            case "BEGIN":
            case "START":
                return BEGIN;
            case "COMMIT":
            case "END":
            case "ROLLBACK":
            case "ABORT":
                return END;
            case "CREATE":
                i = skipBlanksAndComments(sql, i + first.length());
                String second = word(sql, i);
                if (second.equals("OR")) {
                    i = skipBlanksAndComments(sql, i + 2);
                    i = skipBlanksAndComments(sql, i + word(sql, i).length()); // REPLACE
                    second = word(sql, i);
                }
                return second.equals("TEMP") || second.equals("TEMPORARY") ? CREATE_TEMPORARY : OTHER;
            default:
                return OTHER;
        }
    }

    private static String word(String sql, int start) {
        int end = start;
        while (end < sql.length() && Character.isLetter(sql.charAt(end))) {
            end++;
        }
        return end - start > 9 ? "" : sql.substring(start, end).toUpperCase(Locale.ROOT);
    }

    private static int skipBlanksAndComments(String sql, int i) {
        while (i < sql.length()) {
            char c = sql.charAt(i);
            if (Character.isWhitespace(c) || c == '(' || c == ';') {
                i++;
            } else if (c == '-' && sql.startsWith("--", i)) {
                int nl = sql.indexOf('\n', i);
                i = nl < 0 ? sql.length() : nl + 1;
            } else if (c == '/' && sql.startsWith("/*", i)) {
                int end = sql.indexOf("*/", i + 2);
                i = end < 0 ? sql.length() : end + 2;
            } else {
                break;
            }
        }
        return i;
    }
}
