package io.duckserving.jdbc.snapshot;

import java.sql.SQLException;
import java.sql.SQLWarning;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import org.duckdb.DuckDBConnection;

/**
 * What a user changed in their session, in order, so it can be replayed on a new snapshot:
 * session SQL ({@code SET}, {@code USE}...), {@code setCatalog}/{@code setSchema}, autocommit.
 * SQL-level prepared statements ({@code PREPARE name AS ...}) too, by name, until {@code DEALLOCATE}.
 * A later setting of the same thing replaces the earlier one, so the list stays short.
 */
final class SessionState {
    private final List<Entry> entries = new ArrayList<>();
    private boolean autoCommit = true;
    /** An unchanging copy of the entries for warm-ups, made again only after a change. */
    private SessionState frozen;

    SessionState() {
    }

    private SessionState(List<Entry> entries) {
        this.entries.addAll(entries);
    }

    /**
     * The session as it is now, for replaying a query of this session on another snapshot later
     * (a warm-up): the same object until the session changes, so recording it costs nothing.
     */
    SessionState frozen() {
        SessionState f = frozen;
        if (f == null) {
            f = new SessionState(entries);
            frozen = f;
        }
        return f;
    }

    /**
     * What this session's state is, as text: equal for two connections whose session settings are
     * the same (most have none), so a warm-up runs a query once for both, on one connection.
     */
    String signature() {
        StringBuilder b = new StringBuilder();
        for (Entry e : entries) {
            b.append(e.key).append('\u0000').append(e.sql).append('\u0000').append(e.value).append('\u0001');
        }
        return b.toString();
    }

    /** A copy to replay on a warm-up connection; replaying drops refused entries from the copy only. */
    SessionState copy() {
        return new SessionState(entries);
    }

    void setAutoCommit(boolean autoCommit) {
        this.autoCommit = autoCommit;
    }

    void recordSql(String sql) {
        frozen = null;
        String trimmed = sql.trim();
        String key = keyOf(trimmed);
        entries.removeIf(e -> e.key.equals(key));
        if (key.equals("USE")) {
            // USE sets both catalog and schema.
            entries.removeIf(e -> e.key.equals("catalog") || e.key.equals("schema"));
        }
        if (key.startsWith("DEALLOCATE ")) {
            // DEALLOCATE [PREPARE] name: a fresh snapshot never had it.
            String prepareKey = "PREPARE " + key.substring("DEALLOCATE ".length());
            entries.removeIf(e -> e.key.equals(prepareKey));
        } else if (!key.startsWith("RESET ")) {
            entries.add(new Entry(key, trimmed, null));
        } else {
            // RESET x restores the default, which a fresh snapshot already has.
            String setKey = "SET " + key.substring("RESET ".length());
            entries.removeIf(e -> e.key.equals(setKey));
        }
    }

    void recordCatalog(String catalog) {
        frozen = null;
        entries.removeIf(e -> e.key.equals("catalog"));
        entries.add(new Entry("catalog", null, catalog));
    }

    void recordSchema(String schema) {
        frozen = null;
        entries.removeIf(e -> e.key.equals("schema"));
        entries.add(new Entry("schema", null, schema));
    }

    /**
     * Replays the session on a fresh DuckDB connection, entry by entry. An entry the new snapshot
     * refuses (say {@code USE} of a schema it no longer has) is dropped, so the connection still
     * moves, and is reported in the returned warning chain (null when all went well).
     */
    SQLWarning replay(DuckDBConnection duck) throws SQLException {
        return replay(duck, false);
    }

    /**
     * {@link #replay(DuckDBConnection)}, or, when {@code strict} (a connection's first session, which
     * holds only the URL's options), the first refused entry fails with SQLState 22023 naming it.
     */
    SQLWarning replay(DuckDBConnection duck, boolean strict) throws SQLException {
        if (!autoCommit) {
            duck.setAutoCommit(false);
        }
        if (entries.isEmpty()) {
            return null;
        }
        SQLWarning dropped = null;
        try (Statement st = duck.createStatement()) {
            for (Iterator<Entry> it = entries.iterator(); it.hasNext(); ) {
                Entry e = it.next();
                try {
                    if (e.sql != null) {
                        st.execute(e.sql);
                    } else if (e.key.equals("catalog")) {
                        duck.setCatalog(e.value);
                    } else {
                        duck.setSchema(e.value);
                    }
                } catch (SQLException refused) {
                    if (strict) {
                        throw new SQLException("DuckDB refused option " + e.describeOption() + ": "
                                + refused.getMessage() + ". Fix it in the URL (;key=value) or the connection "
                                + "Properties.", SqlStates.INVALID_PARAMETER, refused);
                    }
                    it.remove();
                    dropped = SqlStates.chain(dropped, new SQLWarning("The new snapshot refused this connection's "
                            + e.describe() + ", so it is no longer in effect: " + refused.getMessage()));
                }
            }
        }
        return dropped;
    }

    /**
     * "SET x" for SET/RESET of one variable (with or without SESSION/GLOBAL/LOCAL and "="/"TO"), "USE"
     * for USE, and the statement itself for anything else (ATTACH, LOAD...).
     */
    private static String keyOf(String sql) {
        String prepared = preparedKey(sql);
        if (prepared != null) {
            return prepared;
        }
        String[] words = sql.replace('=', ' ').split("\\s+");
        String verb = words[0].toUpperCase(Locale.ROOT);
        if (verb.equals("USE")) {
            return "USE";
        }
        if ((verb.equals("SET") || verb.equals("RESET")) && words.length > 1) {
            int i = 1;
            String scope = words[i].toUpperCase(Locale.ROOT);
            if ((scope.equals("SESSION") || scope.equals("GLOBAL") || scope.equals("LOCAL")) && words.length > 2) {
                i++;
            }
            String variable = words[i].replaceAll("[;'\"]", "").toLowerCase(Locale.ROOT);
            if (variable.equals("variable") && words.length > i + 1) {
                // SET VARIABLE name = value: one entry per user variable.
                variable += " " + words[i + 1].replaceAll("[;'\"]", "").toLowerCase(Locale.ROOT);
            }
            return verb + " " + variable;
        }
        return sql;
    }

    /**
     * "PREPARE name" for {@code PREPARE name AS ...}, "DEALLOCATE name" for {@code DEALLOCATE [PREPARE]
     * name}, null for anything else. DuckDB folds the names to lower case, quoted or not.
     */
    private static String preparedKey(String sql) {
        int i = SqlKind.skipBlanksAndComments(sql, 0);
        String verb;
        if (SqlKind.isWord(sql, i, "PREPARE")) {
            verb = "PREPARE";
        } else if (SqlKind.isWord(sql, i, "DEALLOCATE")) {
            verb = "DEALLOCATE";
        } else {
            return null;
        }
        i = SqlKind.skipBlanksAndComments(sql, i + verb.length());
        if (verb.equals("DEALLOCATE") && SqlKind.isWord(sql, i, "PREPARE")) {
            i = SqlKind.skipBlanksAndComments(sql, i + "PREPARE".length());
        }
        int end;
        if (i < sql.length() && sql.charAt(i) == '"') {
            end = sql.indexOf('"', i + 1);
            end = end < 0 ? sql.length() : end + 1;
        } else {
            end = i;
            while (end < sql.length() && (Character.isLetterOrDigit(sql.charAt(end)) || sql.charAt(end) == '_')) {
                end++;
            }
        }
        return verb + " " + sql.substring(i, end).replace("\"", "").toLowerCase(Locale.ROOT);
    }

    private static final class Entry {
        final String key;
        final String sql;
        final String value;

        Entry(String key, String sql, String value) {
            this.key = key;
            this.sql = sql;
            this.value = value;
        }

        String describe() {
            return sql != null ? "'" + sql + "'" : key + " '" + value + "'";
        }

        /** "TimeZone = 'Europe/Paris'" for the URL's "SET TimeZone = 'Europe/Paris'". */
        String describeOption() {
            return sql != null && key.startsWith("SET ") ? sql.substring("SET ".length()) : describe();
        }
    }
}
