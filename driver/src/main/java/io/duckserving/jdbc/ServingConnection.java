package io.duckserving.jdbc;

import io.duckserving.jdbc.snapshot.SessionSettings;
import io.duckserving.jdbc.snapshot.SnapshotBinding;
import io.duckserving.jdbc.snapshot.SnapshotSession;
import io.duckserving.jdbc.snapshot.SqlKind;
import io.duckserving.jdbc.snapshot.SqlStates;
import java.sql.Array;
import java.sql.Blob;
import java.sql.CallableStatement;
import java.sql.Clob;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.NClob;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLClientInfoException;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.SQLWarning;
import java.sql.SQLXML;
import java.sql.Savepoint;
import java.sql.Statement;
import java.sql.Struct;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import org.duckdb.DuckDBConnection;

/**
 * The logical connection a client holds: the JDBC surface. Which snapshot each statement runs on
 * is {@link SnapshotBinding}'s business; what DuckDB does not support (client info, isolation
 * levels, network timeouts, read-only switches) is answered here.
 */
public final class ServingConnection implements Connection {
    private final SnapshotBinding binding;
    /** Releases the binding if this connection is garbage collected unclosed. */
    private final UnclosedConnection.Watch unclosed;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final List<ServingStatement> statements = new ArrayList<>();
    private final Properties clientInfo = new Properties();
    private SQLWarning warnings;
    private int isolation = TRANSACTION_SERIALIZABLE;
    /** The only holdability there is: a result keeps its snapshot session, so commit never ends it. */
    static final int HOLDABILITY = ResultSet.HOLD_CURSORS_OVER_COMMIT;
    private int networkTimeout;
    private volatile ServingMetaData metaData;

    ServingConnection(ServingUrl settings) throws SQLException {
        this.binding = new SnapshotBinding(settings.key, settings.policy, settings.sessionSql, settings.autoCommit);
        this.unclosed = UnclosedConnection.watch(this, binding, settings.logUnclosed);
    }

    /** Before an execution; see {@link SnapshotBinding#enter}. Paired with {@link #exit()} in a finally block. */
    SnapshotSession enter() throws SQLException {
        return binding.enter(true);
    }

    /** Before preparing or a metadata lookup, which start no transaction. Paired with {@link #exit()}. */
    SnapshotSession enterForLookup() throws SQLException {
        return binding.enter(false);
    }

    void exit() {
        binding.exit();
    }

    /** After a successful statement (lock held): remembers what it did to the session. */
    SQLWarning afterExecute(SqlKind kind, String sql, SnapshotSession s) throws SQLException {
        return binding.afterExecute(kind, sql, s);
    }

    /** After a failed statement (lock held): what it did before failing may pin the connection. */
    SQLWarning afterFailure(SqlKind kind, SnapshotSession s) {
        return binding.afterFailure(kind, s);
    }

    /** What {@code sql} does to the session; refuses it first if it would change every connection's settings. */
    SqlKind kindOf(String sql) throws SQLException {
        if (!binding.instanceSettingsAllowed()) {
            SessionSettings.refuseGlobalScope(sql);
        }
        return SqlKind.of(sql);
    }

    // ---- statements -------------------------------------------------------------------------

    @Override
    public Statement createStatement() throws SQLException {
        return createStatement(ResultSet.TYPE_FORWARD_ONLY, ResultSet.CONCUR_READ_ONLY, HOLDABILITY);
    }

    @Override
    public Statement createStatement(int resultSetType, int resultSetConcurrency) throws SQLException {
        return createStatement(resultSetType, resultSetConcurrency, HOLDABILITY);
    }

    @Override
    public Statement createStatement(int type, int concurrency, int holdability) throws SQLException {
        checkOpen();
        checkHoldability(holdability);
        return track(new ServingStatement(this, duck -> duck.createStatement(type, concurrency, holdability)));
    }

    @Override
    public PreparedStatement prepareStatement(String sql) throws SQLException {
        return prepare(sql, duck -> duck.prepareStatement(sql));
    }

    @Override
    public PreparedStatement prepareStatement(String sql, int type, int concurrency) throws SQLException {
        return prepare(sql, duck -> duck.prepareStatement(sql, type, concurrency));
    }

    @Override
    public PreparedStatement prepareStatement(String sql, int type, int concurrency, int holdability)
            throws SQLException {
        checkOpen();
        checkHoldability(holdability);
        return prepare(sql, duck -> duck.prepareStatement(sql, type, concurrency, holdability));
    }

    @Override
    public PreparedStatement prepareStatement(String sql, int autoGeneratedKeys) throws SQLException {
        return prepare(sql, duck -> duck.prepareStatement(sql, autoGeneratedKeys));
    }

    @Override
    public PreparedStatement prepareStatement(String sql, int[] columnIndexes) throws SQLException {
        return prepare(sql, duck -> duck.prepareStatement(sql, columnIndexes));
    }

    @Override
    public PreparedStatement prepareStatement(String sql, String[] columnNames) throws SQLException {
        return prepare(sql, duck -> duck.prepareStatement(sql, columnNames));
    }

    private PreparedStatement prepare(String sql, ServingPreparedStatement.Preparer preparer) throws SQLException {
        checkOpen();
        kindOf(sql);
        ServingPreparedStatement ps = new ServingPreparedStatement(this, sql, preparer);
        SnapshotSession s = enterForLookup();
        try {
            ps.prepareOn(s); // DuckDB prepares eagerly: syntax errors surface here, as clients expect
        } catch (SQLException e) {
            throw SqlStates.translate(e);
        } finally {
            exit();
        }
        return track(ps);
    }

    private <T extends ServingStatement> T track(T statement) {
        synchronized (statements) {
            statements.add(statement);
        }
        return statement;
    }

    void forget(ServingStatement statement) {
        synchronized (statements) {
            // Statements are usually closed newest first.
            int i = statements.lastIndexOf(statement);
            if (i >= 0) {
                statements.remove(i);
            }
        }
    }

    @Override
    public CallableStatement prepareCall(String sql) throws SQLException {
        throw SqlStates.notSupported("prepareCall");
    }

    @Override
    public CallableStatement prepareCall(String sql, int resultSetType, int resultSetConcurrency)
            throws SQLException {
        throw SqlStates.notSupported("prepareCall");
    }

    @Override
    public CallableStatement prepareCall(String sql, int type, int concurrency, int holdability)
            throws SQLException {
        throw SqlStates.notSupported("prepareCall");
    }

    @Override
    public String nativeSQL(String sql) throws SQLException {
        checkOpen();
        return sql;
    }

    // ---- transactions -----------------------------------------------------------------------

    @Override
    public void setAutoCommit(boolean autoCommit) throws SQLException {
        binding.setAutoCommit(autoCommit);
    }

    @Override
    public boolean getAutoCommit() throws SQLException {
        checkOpen();
        return binding.autoCommit();
    }

    @Override
    public void commit() throws SQLException {
        binding.endTransaction(true);
    }

    @Override
    public void rollback() throws SQLException {
        binding.endTransaction(false);
    }

    @Override
    public Savepoint setSavepoint() throws SQLException {
        throw SqlStates.notSupported("Savepoints");
    }

    @Override
    public Savepoint setSavepoint(String name) throws SQLException {
        throw SqlStates.notSupported("Savepoints");
    }

    @Override
    public void rollback(Savepoint savepoint) throws SQLException {
        throw SqlStates.notSupported("Savepoints");
    }

    @Override
    public void releaseSavepoint(Savepoint savepoint) throws SQLException {
        throw SqlStates.notSupported("Savepoints");
    }

    /**
     * Every level but {@code TRANSACTION_NONE} is honoured: each transaction reads exactly one
     * snapshot, which never changes, so it is serializable, and so satisfies every weaker level.
     * The level asked for is the one reported. There are always transactions, so NONE is refused.
     */
    @Override
    public void setTransactionIsolation(int level) throws SQLException {
        checkOpen();
        if (supportsIsolation(level)) {
            isolation = level;
        } else if (level == TRANSACTION_NONE) {
            throw new SQLFeatureNotSupportedException("TRANSACTION_NONE is not supported: every statement "
                    + "runs in a transaction on one snapshot; use any other level (all are serializable here)",
                    SqlStates.NOT_SUPPORTED);
        } else {
            throw new SQLException("Unknown transaction isolation level " + level + ": use one of the "
                    + "Connection.TRANSACTION_ constants", SqlStates.INVALID_PARAMETER);
        }
    }

    /** The levels {@link #setTransactionIsolation} honours; what DatabaseMetaData reports too. */
    static boolean supportsIsolation(int level) {
        return level == TRANSACTION_READ_UNCOMMITTED || level == TRANSACTION_READ_COMMITTED
                || level == TRANSACTION_REPEATABLE_READ || level == TRANSACTION_SERIALIZABLE;
    }

    @Override
    public int getTransactionIsolation() throws SQLException {
        checkOpen();
        return isolation;
    }

    // ---- session settings -------------------------------------------------------------------

    @Override
    public void setCatalog(String catalog) throws SQLException {
        binding.onSession(duck -> {
            duck.setCatalog(catalog);
            binding.recordCatalog(catalog);
            return null;
        });
    }

    @Override
    public String getCatalog() throws SQLException {
        return binding.onSession(DuckDBConnection::getCatalog);
    }

    @Override
    public void setSchema(String schema) throws SQLException {
        binding.onSession(duck -> {
            duck.setSchema(schema);
            binding.recordSchema(schema);
            return null;
        });
    }

    @Override
    public String getSchema() throws SQLException {
        return binding.onSession(DuckDBConnection::getSchema);
    }

    /**
     * Always read-only. {@code setReadOnly(false)} is what pools and tools send by default
     * (HikariCP, SQLLine, DBeaver), not a request to write: it is accepted and changes nothing;
     * a write still fails with SQLState 25006.
     */
    @Override
    public void setReadOnly(boolean readOnly) throws SQLException {
        checkOpen();
    }

    @Override
    public boolean isReadOnly() throws SQLException {
        checkOpen();
        return true;
    }

    /** Only {@link #HOLDABILITY}: a result set stays readable after commit, on the snapshot it started on. */
    @Override
    public void setHoldability(int holdability) throws SQLException {
        checkOpen();
        checkHoldability(holdability);
    }

    private static void checkHoldability(int holdability) throws SQLException {
        if (holdability == ResultSet.CLOSE_CURSORS_AT_COMMIT) {
            throw new SQLFeatureNotSupportedException("CLOSE_CURSORS_AT_COMMIT is not supported: result "
                    + "sets stay readable after commit (HOLD_CURSORS_OVER_COMMIT); close them yourself",
                    SqlStates.NOT_SUPPORTED);
        }
        if (holdability != ResultSet.HOLD_CURSORS_OVER_COMMIT) {
            throw new SQLException("Unknown holdability " + holdability + ": use ResultSet.HOLD_CURSORS_OVER_COMMIT",
                    SqlStates.INVALID_PARAMETER);
        }
    }

    @Override
    public int getHoldability() throws SQLException {
        checkOpen();
        return HOLDABILITY;
    }

    @Override
    public Map<String, Class<?>> getTypeMap() throws SQLException {
        checkOpen();
        return Collections.emptyMap();
    }

    @Override
    public void setTypeMap(Map<String, Class<?>> map) throws SQLException {
        checkOpen();
        if (map != null && !map.isEmpty()) {
            throw SqlStates.notSupported("Custom type maps");
        }
    }

    /** Client info is kept by the driver (DuckDB has none) and never fails. */
    @Override
    public void setClientInfo(String name, String value) throws SQLClientInfoException {
        if (value == null) {
            clientInfo.remove(name);
        } else {
            clientInfo.setProperty(name, value);
        }
    }

    @Override
    public void setClientInfo(Properties properties) throws SQLClientInfoException {
        clientInfo.clear();
        if (properties != null) {
            clientInfo.putAll(properties);
        }
    }

    @Override
    public String getClientInfo(String name) throws SQLException {
        checkOpen();
        return clientInfo.getProperty(name);
    }

    @Override
    public Properties getClientInfo() throws SQLException {
        checkOpen();
        Properties copy = new Properties();
        copy.putAll(clientInfo);
        return copy;
    }

    /** There is no network: the timeout is remembered and reported, nothing more. */
    @Override
    public void setNetworkTimeout(Executor executor, int milliseconds) throws SQLException {
        checkOpen();
        if (milliseconds < 0) {
            throw new SQLException("Network timeout must be at least 0, not " + milliseconds,
                    SqlStates.INVALID_PARAMETER);
        }
        networkTimeout = milliseconds;
    }

    @Override
    public int getNetworkTimeout() throws SQLException {
        checkOpen();
        return networkTimeout;
    }

    @Override
    public SQLWarning getWarnings() throws SQLException {
        checkOpen();
        SQLWarning pins = binding.takeWarnings();
        if (pins != null) {
            warnings = SqlStates.chain(warnings, pins);
        }
        return warnings;
    }

    @Override
    public void clearWarnings() throws SQLException {
        checkOpen();
        binding.takeWarnings();
        warnings = null;
    }

    private void addWarning(SQLWarning w) {
        warnings = SqlStates.chain(warnings, w);
    }

    // ---- metadata and objects ---------------------------------------------------------------

    @Override
    public DatabaseMetaData getMetaData() throws SQLException {
        checkOpen();
        if (metaData == null) {
            metaData = new ServingMetaData(this);
        }
        return metaData;
    }

    @Override
    public Array createArrayOf(String typeName, Object[] elements) throws SQLException {
        return binding.onSession(duck -> duck.createArrayOf(typeName, elements));
    }

    @Override
    public Struct createStruct(String typeName, Object[] attributes) throws SQLException {
        return binding.onSession(duck -> duck.createStruct(typeName, attributes));
    }

    @Override
    public Clob createClob() throws SQLException {
        throw SqlStates.notSupported("createClob");
    }

    @Override
    public Blob createBlob() throws SQLException {
        throw SqlStates.notSupported("createBlob");
    }

    @Override
    public NClob createNClob() throws SQLException {
        throw SqlStates.notSupported("createNClob");
    }

    @Override
    public SQLXML createSQLXML() throws SQLException {
        throw SqlStates.notSupported("createSQLXML");
    }

    // ---- life cycle ---------------------------------------------------------------------------

    @Override
    public boolean isValid(int timeout) throws SQLException {
        if (timeout < 0) {
            throw new SQLException("isValid timeout must be at least 0, not " + timeout, SqlStates.INVALID_PARAMETER);
        }
        return !closed.get() && binding.isValid(timeout);
    }

    @Override
    public boolean isClosed() {
        return closed.get();
    }

    /**
     * Also from another thread while a statement runs: running statements are cancelled first (they
     * fail with SQLState 57014), then everything is released once they have stopped, within about a
     * second rather than when the query would have ended.
     */
    @Override
    public void close() throws SQLException {
        if (closed.compareAndSet(false, true)) {
            cancelStatements();
            release();
        }
    }

    /** Closes without waiting for a running statement: it is cancelled, and the rest runs on {@code executor}. */
    @Override
    public void abort(Executor executor) throws SQLException {
        if (executor == null) {
            throw new SQLException("abort needs an executor", SqlStates.INVALID_PARAMETER);
        }
        if (closed.compareAndSet(false, true)) {
            cancelStatements();
            executor.execute(this::release);
        }
    }

    private void cancelStatements() {
        for (ServingStatement st : openStatements()) {
            st.cancelQuietly();
        }
    }

    /** Closing each statement waits for (and cancels again) an execution still running on it. */
    private void release() {
        for (ServingStatement st : openStatements()) {
            st.closeQuietly();
        }
        ServingMetaData md = metaData;
        if (md != null) {
            md.closeResults();
        }
        binding.close();
        unclosed.closed();
    }

    private List<ServingStatement> openStatements() {
        synchronized (statements) {
            return new ArrayList<>(statements);
        }
    }

    void checkOpen() throws SQLException {
        if (closed.get()) {
            throw SqlStates.closed("Connection");
        }
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T> T unwrap(Class<T> iface) throws SQLException {
        if (iface.isInstance(this)) {
            return (T) this;
        }
        if (iface.isAssignableFrom(DuckDBConnection.class)) {
            return (T) binding.onSession(duck -> duck);
        }
        throw new SQLException("Cannot unwrap to " + iface.getName(), SqlStates.INVALID_PARAMETER);
    }

    @Override
    public boolean isWrapperFor(Class<?> iface) {
        return iface.isInstance(this) || iface.isAssignableFrom(DuckDBConnection.class);
    }

    /** The path this connection reads. */
    public String getPath() {
        return binding.path().toString();
    }

    @Override
    public String toString() {
        return "ServingConnection[" + binding + "]";
    }
}
