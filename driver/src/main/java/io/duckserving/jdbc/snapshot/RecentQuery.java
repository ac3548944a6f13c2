package io.duckserving.jdbc.snapshot;

/**
 * A query a connection ran successfully, with what a warm-up needs to run it again on a new
 * snapshot: its parameters (null for a plain statement) and the session it ran in.
 */
record RecentQuery(String sql, Parameters parameters, SessionState session, long ranAtNanos) {
}
