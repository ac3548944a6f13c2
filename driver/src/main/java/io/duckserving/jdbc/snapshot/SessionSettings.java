package io.duckserving.jdbc.snapshot;

import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.stream.Collectors;
import org.duckdb.DuckDBConnection;

/**
 * Which DuckDB settings a reader's SQL may change. Every connection of a path shares one DuckDB
 * instance, so instance-wide settings ({@code memory_limit}, {@code threads}, logging) belong to the
 * operator (URL options), and only settings DuckDB keeps per session stay open to SQL. DuckDB
 * enforces it: {@code allowed_configs} lists these, then {@code lock_configuration} freezes the rest.
 */
public final class SessionSettings {
    /**
     * Settings DuckDB can hold per session (measured: {@code SET SESSION} accepts them) that change
     * only how this session's queries run or look. Left out on purpose though DuckDB keeps them per
     * session: profiling, query logging and the progress bar (they print to the server's standard output or
     * show SQL), file paths, and write tuning.
     */
    static final List<String> ALLOWED = List.of("TimeZone", "Calendar", "search_path", "schema",
            "default_collation", "default_null_order", "default_order", "null_order", "errors_as_json",
            "integer_division", "ieee_floating_point_ops", "error_on_division_by_zero", "binary_as_string",
            "arrow_large_buffer_size", "arrow_lossless_conversion", "arrow_output_list_view", "arrow_output_version",
            "catalog_error_max_schemas", "explain_output", "enable_optimizer", "disable_timestamptz_casts",
            "streaming_buffer_size", "max_streaming_buffer_size",
            "operator_memory_limit", "jdbc_stream_results", "max_execution_time", "max_expression_depth",
            "order_by_non_integer_literal", "scalar_subquery_error_on_multiple_rows", "preserve_identifier_case",
            "preserve_insertion_order", "prefer_range_joins", "merge_join_threshold", "nested_loop_join_threshold",
            "perfect_ht_threshold", "ordered_aggregate_threshold", "pivot_filter_threshold", "pivot_limit",
            "late_materialization_max_rows", "approximate_join_order_threshold", "asof_loop_join_threshold",
            "delim_join_as_cte", "dynamic_or_filter_threshold", "regex_match_operator_semantics", "show_behavior",
            "table_function_identifier_conversion", "ignore_unknown_crs", "json_geometry_format",
            "immediate_transaction_mode");

    private SessionSettings() {
    }

    /** Freezes every setting of {@code root}'s instance but the session ones; before any reader connects. */
    static void lock(DuckDBConnection root) throws SQLException {
        try (Statement st = root.createStatement()) {
            st.execute("SET allowed_configs = [" + ALLOWED.stream().map(n -> "'" + n + "'")
                    .collect(Collectors.joining(", ")) + "]");
            st.execute("SET lock_configuration = true");
        }
    }

    /**
     * {@code SET GLOBAL} and {@code RESET GLOBAL} of an allowed setting pass DuckDB's lock and would
     * change every connection's default. Refused on the words alone, wherever they stand: a lexer
     * of ours that disagrees with DuckDB's on quoting must not open a way around the lock. A query
     * that merely mentions both words (rare) gets the same clear refusal.
     */
    public static void refuseGlobalScope(String sql) throws SQLException {
        if (containsWord(sql, "GLOBAL") && (containsWord(sql, "SET") || containsWord(sql, "RESET"))) {
            throw new java.sql.SQLInvalidAuthorizationSpecException("SET GLOBAL and RESET GLOBAL change every "
                    + "connection reading this snapshot, so SQL may not use them (this statement contains the words "
                    + "SET/RESET and GLOBAL). Use SET or SET SESSION, or give the setting as a URL option; a trusted "
                    + "single-user setup may set " + PropertyNames.ALLOW_INSTANCE_SETTINGS + "=true.",
                    SqlStates.INSUFFICIENT_PRIVILEGE);
        }
    }

    /** Whether {@code word} (upper case letters) occurs in {@code sql} as a whole word, in any case. */
    static boolean containsWord(String sql, String word) {
        int n = word.length();
        char first = word.charAt(0);
        for (int i = 0, last = sql.length() - n; i <= last; i++) {
            if (Character.toUpperCase(sql.charAt(i)) == first && sql.regionMatches(true, i, word, 0, n)
                    && (i == 0 || !isWordChar(sql.charAt(i - 1)))
                    && (i == last || !isWordChar(sql.charAt(i + n)))) {
                return true;
            }
        }
        return false;
    }

    private static boolean isWordChar(char c) {
        return Character.isLetterOrDigit(c) || c == '_' || c == '$';
    }
}
