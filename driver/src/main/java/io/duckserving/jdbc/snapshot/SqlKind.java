package io.duckserving.jdbc.snapshot;

import java.util.ArrayList;
import java.util.List;

/**
 * What a statement does to the session, judged by its leading keywords: enough to replay session
 * settings on a new snapshot, pin on temporary objects, and follow transactions begun in SQL.
 */
public enum SqlKind {
    /** Anything that leaves the session as it was: queries, and writes (which DuckDB refuses anyway). */
    OTHER,
    /**
     * SET, RESET, USE, ATTACH, DETACH, LOAD, PREPARE, DEALLOCATE: replayed on every new snapshot, in
     * order (RESET and DEALLOCATE by forgetting what they undo).
     */
    SESSION,
    /** CREATE TEMP ...: cannot be replayed honestly, so the connection stays on its snapshot. */
    CREATE_TEMPORARY,
    /** DROP ...: may drop the last temporary object and so end a pin. */
    DROP,
    BEGIN,
    /** COMMIT, END, ROLLBACK, ABORT. */
    END,
    /** Several statements in one string: DuckDB runs them all, so each is looked at on its own. */
    SCRIPT;

    public static SqlKind of(String sql) {
        int semicolon = sql.indexOf(';');
        // A trailing semicolon (or one inside a string) is common; split only when more may follow.
        if (semicolon >= 0 && skipBlanksAndComments(sql, semicolon) < sql.length() && statements(sql).size() > 1) {
            return SCRIPT;
        }
        return ofStatement(sql);
    }

    /**
     * The statements of a script, split at top-level semicolons (not inside quotes, dollar quotes
     * or comments); blank ones are left out.
     */
    public static List<String> statements(String sql) {
        List<String> parts = new ArrayList<>();
        int start = 0;
        int i = 0;
        while (i < sql.length()) {
            char c = sql.charAt(i);
            if (c == '\'' || c == '"') {
                int end = sql.indexOf(c, i + 1);
                i = end < 0 ? sql.length() : end + 1; // a doubled quote is two quoted runs: same split
            } else if (c == '$' && sql.startsWith("$$", i)) {
                int end = sql.indexOf("$$", i + 2);
                i = end < 0 ? sql.length() : end + 2;
            } else if (c == '-' && sql.startsWith("--", i)) {
                int nl = sql.indexOf('\n', i);
                i = nl < 0 ? sql.length() : nl + 1;
            } else if (c == '/' && sql.startsWith("/*", i)) {
                int end = sql.indexOf("*/", i + 2);
                i = end < 0 ? sql.length() : end + 2;
            } else if (c == ';') {
                addIfNotBlank(parts, sql.substring(start, i));
                start = ++i;
            } else {
                i++;
            }
        }
        addIfNotBlank(parts, sql.substring(start));
        return parts;
    }

    private static void addIfNotBlank(List<String> parts, String part) {
        if (skipBlanksAndComments(part, 0) < part.length()) {
            parts.add(part.trim());
        }
    }

    /** Leading words of a statement that only reads, which a warm-up may run again on a new snapshot. */
    private static final String[] READING = {"SELECT", "WITH", "FROM", "TABLE", "VALUES", "PIVOT", "UNPIVOT"};

    /**
     * Whether {@code sql} is one statement that only reads (SELECT, WITH, FROM, TABLE, VALUES,
     * PIVOT): what a warm-up may replay. Anything else (SET, COPY, CALL, PRAGMA, EXPORT, a script)
     * is never run again behind the user's back.
     */
    public static boolean isReadQuery(String sql) {
        return isReadQuery(of(sql), sql);
    }

    /** {@link #isReadQuery(String)} of a statement whose kind is known already. */
    public static boolean isReadQuery(SqlKind kind, String sql) {
        return kind == OTHER && startsReading(sql);
    }

    private static boolean startsReading(String sql) {
        int i = skipBlanksAndComments(sql, 0);
        while (i < sql.length() && sql.charAt(i) == '(') {
            i = skipBlanksAndComments(sql, i + 1);
        }
        for (String word : READING) {
            if (isWord(sql, i, word)) {
                return true;
            }
        }
        return false;
    }

    private static SqlKind ofStatement(String sql) {
        int i = skipBlanksAndComments(sql, 0);
        if (i < sql.length()) {
            // Most statements are queries: settle SELECT, WITH, FROM... without looking further.
            switch (Character.toUpperCase(sql.charAt(i))) {
                case 'S':
                    if (isWord(sql, i, "SET")) {
                        return SESSION;
                    }
                    return isWord(sql, i, "START") ? BEGIN : OTHER;
                case 'R':
                    if (isWord(sql, i, "RESET")) {
                        return SESSION;
                    }
                    return isWord(sql, i, "ROLLBACK") ? END : OTHER;
                case 'U':
                    return isWord(sql, i, "USE") ? SESSION : OTHER;
                case 'A':
                    if (isWord(sql, i, "ATTACH")) {
                        return SESSION;
                    }
                    return isWord(sql, i, "ABORT") ? END : OTHER;
                case 'D':
                    if (isWord(sql, i, "DETACH")) {
                        return SESSION;
                    }
                    if (isWord(sql, i, "DEALLOCATE")) {
                        return SESSION;
                    }
                    return isWord(sql, i, "DROP") ? DROP : OTHER;
                case 'P':
                    return isWord(sql, i, "PREPARE") ? SESSION : OTHER;
                case 'L':
                    return isWord(sql, i, "LOAD") ? SESSION : OTHER;
                case 'B':
                    return isWord(sql, i, "BEGIN") ? BEGIN : OTHER;
                case 'C':
                    if (isWord(sql, i, "COMMIT")) {
                        return END;
                    }
                    return isWord(sql, i, "CREATE") ? ofCreate(sql, i + "CREATE".length()) : OTHER;
                case 'E':
                    return isWord(sql, i, "END") ? END : OTHER;
                default:
                    return OTHER;
            }
        }
        return OTHER;
    }

    private static SqlKind ofCreate(String sql, int i) {
        i = skipBlanksAndComments(sql, i);
        if (isWord(sql, i, "OR")) {
            i = skipBlanksAndComments(sql, i + "OR".length());
            if (!isWord(sql, i, "REPLACE")) {
                return OTHER;
            }
            i = skipBlanksAndComments(sql, i + "REPLACE".length());
        }
        return isWord(sql, i, "TEMP") || isWord(sql, i, "TEMPORARY") ? CREATE_TEMPORARY : OTHER;
    }

    /** Whether {@code word} (upper case) stands at {@code i}, case-insensitively, followed by a non-letter. */
    static boolean isWord(String sql, int i, String word) {
        int end = i + word.length();
        return sql.regionMatches(true, i, word, 0, word.length())
                && (end == sql.length() || !Character.isLetterOrDigit(sql.charAt(end)) && sql.charAt(end) != '_');
    }

    static int skipBlanksAndComments(String sql, int i) {
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
