package io.duckserving.jdbc;

import io.duckserving.jdbc.snapshot.Parameters;
import io.duckserving.jdbc.snapshot.SnapshotBinding;
import io.duckserving.jdbc.snapshot.SnapshotSession;
import io.duckserving.jdbc.snapshot.SqlKind;
import io.duckserving.jdbc.snapshot.SqlStates;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLWarning;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.duckdb.DuckDBConnection;

/**
 * A statement that runs each execution on the snapshot its connection binds to at that moment.
 * The DuckDB statement underneath is created lazily and again after a move; settings the user
 * changed are remembered and applied to each new one.
 */
class ServingStatement implements Statement {
    /** Creates the DuckDB statement on a given DuckDB connection. */
    interface Creator {
        Statement create(DuckDBConnection duck) throws SQLException;
    }

    final ServingConnection connection;
    private final Creator creator;
    /** The session the DuckDB statement belongs to. */
    SnapshotSession boundTo;
    volatile Statement physical;
    private ServingResultSet result;
    private long updateCount = -1;
    private volatile boolean closed;
    /**
     * The thread running an execution of this statement (inside {@link #execute(SqlKind, String, SnapshotBinding.Work)}),
     * or null: {@link #close()} from another thread cancels it and waits for it to end.
     */
    private volatile Thread executing;
    private boolean closeOnCompletion;
    private SQLWarning warnings;
    private List<String> batch;

    // Settings, applied to every new DuckDB statement once the user changed any of them.
    private boolean settingsChanged;
    private int fetchSize;
    private int fetchDirection = ResultSet.FETCH_FORWARD;
    private int queryTimeout;
    private int maxFieldSize;
    private long maxRows;
    private boolean poolable;

    ServingStatement(ServingConnection connection, Creator creator) {
        this.connection = connection;
        this.creator = creator;
    }

    /**
     * Every execution of this statement, plain or prepared, runs here: closes the previous result,
     * binds the connection to its snapshot, runs {@code work}, records what the statement did to
     * the session (or, when it failed, what it may have left behind), and translates DuckDB's
     * errors. Between binding and the end, {@link #close()} from another thread cancels it.
     */
    final <T> T execute(SqlKind kind, String sql, SnapshotBinding.Work<T> work) throws SQLException {
        checkOpen();
        closeResult();
        updateCount = -1;
        return connection.binding().run(true, s -> {
            executing = Thread.currentThread();
            try {
                if (closed) {
                    // Closed by another thread meanwhile: it saw no execution to cancel, so none may start.
                    throw SqlStates.closed("Statement");
                }
                T outcome = work.on(s);
                finish(kind, sql, s);
                SnapshotBinding binding = connection.binding();
                if (binding.recordsQueries() && isReadQuery(kind, sql)) {
                    binding.recordQuery(sql, replayParameters());
                }
                return outcome;
            } catch (SQLException e) {
                throw failed(kind, s, e);
            } finally {
                executing = null;
            }
        });
    }

    /** Whether {@code sql} (of {@code kind}) only reads, so a warm-up may run it again. */
    boolean isReadQuery(SqlKind kind, String sql) {
        return SqlKind.isReadQuery(kind, sql);
    }

    /** The parameters of the execution that just succeeded, for a warm-up to run it again; none for a plain statement. */
    Parameters replayParameters() {
        return null;
    }

    final long updated(long count) {
        updateCount = count;
        return count;
    }

    final Statement createPhysical(SnapshotSession s) throws SQLException {
        return creator.create(s.duck);
    }

    private Statement physicalOn(SnapshotSession s) throws SQLException {
        Statement st = physical;
        if (boundTo != s || st == null || st.isClosed()) {
            closePhysical();
            st = createPhysical(s);
            applySettings(st);
            physical = st;
            boundTo = s;
        }
        return st;
    }

    final void applySettings(Statement st) throws SQLException {
        if (!settingsChanged) {
            return;
        }
        if (fetchSize != 0) {
            st.setFetchSize(fetchSize);
        }
        if (queryTimeout != 0) {
            st.setQueryTimeout(queryTimeout);
        }
        if (maxRows != 0) {
            st.setLargeMaxRows(maxRows);
        }
        if (maxFieldSize != 0) {
            st.setMaxFieldSize(maxFieldSize);
        }
        if (fetchDirection != ResultSet.FETCH_FORWARD) {
            st.setFetchDirection(fetchDirection);
        }
    }

    final void closePhysical() {
        Statement st = physical;
        physical = null;
        boundTo = null;
        if (st != null) {
            try {
                st.close();
            } catch (SQLException ignored) {
                // Its DuckDB connection may already be closed with its snapshot session.
            }
        }
    }

    /** After a successful execution (lock held): what the statement did to the session. */
    final void finish(SqlKind kind, String sql, SnapshotSession s) throws SQLException {
        if (kind == SqlKind.SCRIPT) {
            for (String statement : SqlKind.statements(sql)) {
                finish(SqlKind.of(statement), statement, s);
            }
        } else if (kind != SqlKind.OTHER) {
            SQLWarning w = connection.binding().afterExecute(kind, sql, s);
            if (w != null) {
                addWarning(w);
            }
        }
    }

    /** After a failed execution (lock held): lets the connection pin on what it left behind; returns the error. */
    final SQLException failed(SqlKind kind, SnapshotSession s, SQLException e) {
        SQLWarning w = connection.binding().afterFailure(kind, s);
        if (w != null) {
            addWarning(w);
        }
        return e;
    }

    final ServingResultSet wrap(ResultSet rs, SnapshotSession s) throws SQLException {
        if (rs == null) {
            return null;
        }
        if (closed) {
            // Closed by another thread (or with its connection) while this execution ran.
            rs.close();
            throw SqlStates.closed("Statement");
        }
        result = new ServingResultSet(rs, this, s, maxRows);
        updateCount = -1;
        return result;
    }

    @Override
    public ResultSet executeQuery(String sql) throws SQLException {
        return execute(connection.kindOf(sql), sql, s -> wrap(physicalOn(s).executeQuery(sql), s));
    }

    @Override
    public boolean execute(String sql) throws SQLException {
        return execute(connection.kindOf(sql), sql, s -> {
            Statement st = physicalOn(s);
            return afterExecute(st, st.execute(sql), s);
        });
    }

    final boolean afterExecute(Statement st, boolean hasResult, SnapshotSession s) throws SQLException {
        if (hasResult) {
            wrap(st.getResultSet(), s);
        } else {
            updateCount = st.getLargeUpdateCount();
        }
        return hasResult;
    }

    @Override
    public long executeLargeUpdate(String sql) throws SQLException {
        return execute(connection.kindOf(sql), sql, s -> updated(physicalOn(s).executeLargeUpdate(sql)));
    }

    @Override
    public int executeUpdate(String sql) throws SQLException {
        return (int) executeLargeUpdate(sql);
    }

    @Override
    public int executeUpdate(String sql, int autoGeneratedKeys) throws SQLException {
        return executeUpdate(sql);
    }

    @Override
    public int executeUpdate(String sql, int[] columnIndexes) throws SQLException {
        return executeUpdate(sql);
    }

    @Override
    public int executeUpdate(String sql, String[] columnNames) throws SQLException {
        return executeUpdate(sql);
    }

    @Override
    public long executeLargeUpdate(String sql, int autoGeneratedKeys) throws SQLException {
        return executeLargeUpdate(sql);
    }

    @Override
    public long executeLargeUpdate(String sql, int[] columnIndexes) throws SQLException {
        return executeLargeUpdate(sql);
    }

    @Override
    public long executeLargeUpdate(String sql, String[] columnNames) throws SQLException {
        return executeLargeUpdate(sql);
    }

    @Override
    public boolean execute(String sql, int autoGeneratedKeys) throws SQLException {
        return execute(sql);
    }

    @Override
    public boolean execute(String sql, int[] columnIndexes) throws SQLException {
        return execute(sql);
    }

    @Override
    public boolean execute(String sql, String[] columnNames) throws SQLException {
        return execute(sql);
    }

    @Override
    public ResultSet getResultSet() throws SQLException {
        checkOpen();
        return result;
    }

    @Override
    public int getUpdateCount() throws SQLException {
        checkOpen();
        return (int) Math.min(updateCount, Integer.MAX_VALUE);
    }

    @Override
    public long getLargeUpdateCount() throws SQLException {
        checkOpen();
        return updateCount;
    }

    @Override
    public boolean getMoreResults() throws SQLException {
        checkOpen();
        closeResult();
        updateCount = -1;
        return false;
    }

    @Override
    public boolean getMoreResults(int current) throws SQLException {
        if (current == KEEP_CURRENT_RESULT) {
            checkOpen();
            updateCount = -1;
            return false; // DuckDB returns one result per execution; the current one stays open
        }
        return getMoreResults();
    }

    /** Nothing is ever generated on a read-only snapshot: DuckDB's (empty) answer, as is. */
    @Override
    public ResultSet getGeneratedKeys() throws SQLException {
        checkOpen();
        Statement st = physical;
        if (st == null) {
            throw new SQLException("getGeneratedKeys before any execution", "HY010");
        }
        return st.getGeneratedKeys();
    }

    @Override
    public void addBatch(String sql) throws SQLException {
        checkOpen();
        if (batch == null) {
            batch = new ArrayList<>();
        }
        batch.add(sql);
    }

    @Override
    public void clearBatch() throws SQLException {
        checkOpen();
        batch = null;
    }

    @Override
    public int[] executeBatch() throws SQLException {
        long[] large = executeLargeBatch();
        int[] counts = new int[large.length];
        for (int i = 0; i < large.length; i++) {
            counts[i] = (int) Math.min(large[i], Integer.MAX_VALUE);
        }
        return counts;
    }

    @Override
    public long[] executeLargeBatch() throws SQLException {
        checkOpen();
        List<String> sqls = batch == null ? List.of() : batch;
        batch = null;
        long[] counts = new long[sqls.size()];
        for (int i = 0; i < counts.length; i++) {
            counts[i] = executeLargeUpdate(sqls.get(i));
        }
        return counts;
    }

    /**
     * Harmless at any time: before, during or after an execution (a "stop" button races with the
     * query), also while the connection is being closed. Refused only on a statement that is
     * closed and runs nothing.
     */
    @Override
    public void cancel() throws SQLException {
        if (closed && executing == null && physical == null) {
            throw SqlStates.closed("Statement");
        }
        cancelQuietly();
    }

    final void cancelQuietly() {
        Statement st = physical;
        try {
            if (st != null && !st.isClosed()) {
                st.cancel();
            }
        } catch (SQLException ignored) {
            // The execution ended, or DuckDB closed its statement after an error, meanwhile.
        }
    }

    // ---- settings ------------------------------------------------------------------------------

    @Override
    public int getFetchSize() throws SQLException {
        checkOpen();
        return fetchSize;
    }

    @Override
    public void setFetchSize(int rows) throws SQLException {
        checkOpen();
        if (rows < 0) {
            throw new SQLException("Fetch size must be at least 0, not " + rows, SqlStates.INVALID_PARAMETER);
        }
        fetchSize = rows;
        changed();
    }

    @Override
    public int getFetchDirection() throws SQLException {
        checkOpen();
        return fetchDirection;
    }

    @Override
    public void setFetchDirection(int direction) throws SQLException {
        checkOpen();
        if (direction != ResultSet.FETCH_FORWARD) {
            throw SqlStates.notSupported("Fetch direction " + direction);
        }
        fetchDirection = direction;
    }

    @Override
    public int getQueryTimeout() throws SQLException {
        checkOpen();
        return queryTimeout;
    }

    @Override
    public void setQueryTimeout(int seconds) throws SQLException {
        checkOpen();
        if (seconds < 0) {
            throw new SQLException("Query timeout must be at least 0, not " + seconds, SqlStates.INVALID_PARAMETER);
        }
        queryTimeout = seconds;
        changed();
    }

    @Override
    public int getMaxRows() throws SQLException {
        checkOpen();
        return (int) Math.min(maxRows, Integer.MAX_VALUE);
    }

    @Override
    public void setMaxRows(int max) throws SQLException {
        setLargeMaxRows(max);
    }

    @Override
    public long getLargeMaxRows() throws SQLException {
        checkOpen();
        return maxRows;
    }

    @Override
    public void setLargeMaxRows(long max) throws SQLException {
        checkOpen();
        if (max < 0) {
            throw new SQLException("Max rows must be at least 0, not " + max, SqlStates.INVALID_PARAMETER);
        }
        maxRows = max;
        changed();
    }

    @Override
    public int getMaxFieldSize() throws SQLException {
        checkOpen();
        return maxFieldSize;
    }

    @Override
    public void setMaxFieldSize(int max) throws SQLException {
        checkOpen();
        if (max < 0) {
            throw new SQLException("Max field size must be at least 0, not " + max, SqlStates.INVALID_PARAMETER);
        }
        maxFieldSize = max;
        changed();
    }

    private void changed() throws SQLException {
        settingsChanged = true;
        Statement st = physical;
        if (st != null && !st.isClosed()) {
            applySettings(st);
        }
    }

    @Override
    public void setEscapeProcessing(boolean enable) throws SQLException {
        checkOpen(); // DuckDB has no JDBC escape syntax to process
    }

    @Override
    public void setCursorName(String name) throws SQLException {
        throw SqlStates.notSupported("Named cursors");
    }

    @Override
    public int getResultSetConcurrency() throws SQLException {
        checkOpen();
        return ResultSet.CONCUR_READ_ONLY;
    }

    @Override
    public int getResultSetType() throws SQLException {
        checkOpen();
        return ResultSet.TYPE_FORWARD_ONLY;
    }

    @Override
    public int getResultSetHoldability() throws SQLException {
        return connection.getHoldability();
    }

    @Override
    public void setPoolable(boolean poolable) throws SQLException {
        checkOpen();
        this.poolable = poolable;
    }

    @Override
    public boolean isPoolable() throws SQLException {
        checkOpen();
        return poolable;
    }

    @Override
    public void closeOnCompletion() throws SQLException {
        checkOpen();
        closeOnCompletion = true;
    }

    @Override
    public boolean isCloseOnCompletion() throws SQLException {
        checkOpen();
        return closeOnCompletion;
    }

    @Override
    public SQLWarning getWarnings() throws SQLException {
        checkOpen();
        return warnings;
    }

    @Override
    public void clearWarnings() throws SQLException {
        checkOpen();
        warnings = null;
    }

    final void addWarning(SQLWarning w) {
        warnings = SqlStates.chain(warnings, w);
    }

    @Override
    public Connection getConnection() throws SQLException {
        checkOpen();
        return connection;
    }

    // ---- life cycle ---------------------------------------------------------------------------

    /** Called by a result set of this statement when it closes. */
    final void resultClosed(ServingResultSet rs) {
        if (result == rs) {
            result = null;
            if (closeOnCompletion) {
                closeQuietly();
            }
        }
    }

    private void closeResult() throws SQLException {
        ServingResultSet rs = result;
        result = null;
        if (rs != null) {
            rs.close();
        }
    }

    /**
     * Closes at once also while another thread runs an execution: that execution is cancelled (it
     * fails with SQLState 57014) and this waits for it to end, as DuckDB's statement could not close
     * before. An execution starting meanwhile finds the statement closed (see {@link #execute(SqlKind, String, SnapshotBinding.Work)}).
     */
    @Override
    public void close() throws SQLException {
        if (closed) {
            return;
        }
        closed = true;
        try {
            awaitNoExecution();
            closeResult();
        } finally {
            closePhysical();
            connection.forget(this);
        }
    }

    /** Cancels an execution running in another thread, again until it ends (a cancel just before it started is lost). */
    private void awaitNoExecution() {
        boolean interrupted = false;
        for (int round = 0; ; round++) {
            Thread running = executing;
            if (running == null || running == Thread.currentThread()) {
                break;
            }
            if (round % 10 == 0) {
                cancelQuietly();
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                interrupted = true; // closing goes on: a half-closed statement would hold its snapshot
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    final void closeQuietly() {
        try {
            close();
        } catch (SQLException ignored) {
            // Closing is best effort when the connection goes away.
        }
    }

    @Override
    public boolean isClosed() {
        return closed;
    }

    final void checkOpen() throws SQLException {
        if (closed) {
            throw SqlStates.closed("Statement");
        }
        connection.checkOpen();
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T> T unwrap(Class<T> iface) throws SQLException {
        if (iface.isInstance(this)) {
            return (T) this;
        }
        Statement st = physical;
        if (st != null && iface.isInstance(st)) {
            return (T) st;
        }
        throw new SQLException("Cannot unwrap to " + iface.getName()
                + " (a DuckDB statement exists only after the first execution)", SqlStates.INVALID_PARAMETER);
    }

    @Override
    public boolean isWrapperFor(Class<?> iface) {
        Statement st = physical;
        return iface.isInstance(this) || st != null && iface.isInstance(st);
    }
}
