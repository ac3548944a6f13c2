package io.duckserving.jdbc;

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
import java.util.concurrent.locks.ReentrantLock;
import java.util.logging.Logger;
import org.duckdb.DuckDBConnection;

/**
 * The logical connection a client holds. Before each statement it binds to the newest snapshot
 * (unless a transaction or a temporary object pins it), replaying the session state on the new
 * snapshot; between statements, when a newer snapshot appears, it lets go of the old one at once.
 *
 * <p>The lock is held for the duration of one statement execution: it serializes use of the
 * underlying DuckDB connection (which is not thread-safe) and tells the registry whether the
 * connection is idle.
 */
public final class ServingConnection implements Connection {
    private static final Logger LOG = Logger.getLogger(ServingDriver.LOGGER_NAME);
    private final SnapshotRegistry registry;
    private final ServingUrl settings;
    private final ReentrantLock lock = new ReentrantLock();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final SessionState state = new SessionState();
    private final List<ServingStatement> statements = new ArrayList<>();
    private final Properties clientInfo = new Properties();
    private volatile SnapshotSession session;
    private boolean autoCommit = true;
    /** A transaction is open (autocommit off and a statement ran, or BEGIN in SQL): stay on this snapshot. */
    private boolean inTransaction;
    /** Temporary objects exist, or session state could not be replayed: stay on this snapshot. */
    private String pinReason;
    private SQLWarning warnings;
    private int isolation = TRANSACTION_SERIALIZABLE;
    private int holdability = ResultSet.CLOSE_CURSORS_AT_COMMIT;
    private int networkTimeout;
    private ServingMetaData metaData;

    ServingConnection(SnapshotRegistry registry, ServingUrl settings) throws SQLException {
        this.registry = registry;
        this.settings = settings;
        for (String sql : settings.sessionSql) {
            state.recordSql(sql);
        }
        registry.register(this);
        try {
            enter();
            exit();
        } catch (SQLException | RuntimeException e) {
            closed.set(true);
            registry.unregister(this);
            throw e;
        }
    }

    /**
     * Binds to the snapshot the next statement must use and takes the lock; every call is paired
     * with {@link #exit()} in a finally block.
     */
    SnapshotSession enter() throws SQLException {
        lock.lock();
        try {
            if (closed.get()) {
                throw SqlStates.closed("Connection");
            }
            SnapshotSession s = session;
            if (s == null || !inTransaction && pinReason == null) {
                Snapshot current = registry.current(settings);
                if (s == null || s.snapshot != current) {
                    s = moveTo(current, s);
                }
            }
            if (!autoCommit) {
                inTransaction = true;
            }
            return s;
        } catch (SQLException | RuntimeException e) {
            lock.unlock();
            throw e;
        }
    }

    void exit() {
        lock.unlock();
        SnapshotSession s = session;
        if (s != null && s.snapshot.isRetired()) {
            releaseIfIdle(s.snapshot);
        }
    }

    private SnapshotSession moveTo(Snapshot current, SnapshotSession old) throws SQLException {
        while (true) {
            SnapshotSession fresh;
            try {
                fresh = SnapshotSession.open(current, state);
            } catch (SQLException e) {
                if (old == null) {
                    throw SqlStates.translate(e);
                }
                pinReason = "the session state could not be replayed on " + current + " (" + e.getMessage() + ")";
                LOG.warning(() -> this + " stays on its snapshot: " + pinReason);
                addWarning(new SQLWarning("This connection stays on " + old.snapshot + " because " + pinReason
                        + "; open a new connection to read the newest snapshot."));
                return old;
            }
            if (fresh != null) {
                session = fresh;
                if (old != null) {
                    old.release();
                }
                return fresh;
            }
            current = registry.current(settings); // the snapshot closed between lookup and connect
        }
    }

    /** After a successful statement (lock held): remembers what it did to the session. */
    SQLWarning afterExecute(SqlKind kind, String sql, SnapshotSession s) throws SQLException {
        switch (kind) {
            case SESSION:
                state.recordSql(sql);
                return null;
            case CREATE_TEMPORARY:
                if (pinReason == null) {
                    pinReason = "it holds temporary objects";
                    SQLWarning w = new SQLWarning("Temporary objects cannot follow a new snapshot: this connection "
                            + "stays on " + s.snapshot + " until they are all dropped.");
                    addWarning(new SQLWarning(w.getMessage()));
                    return w;
                }
                return null;
            case DROP:
                if (pinReason != null && pinReason.startsWith("it holds") && !TemporaryObjects.exist(s.duck)) {
                    pinReason = null;
                }
                return null;
            case BEGIN:
                inTransaction = true;
                return null;
            case END:
                inTransaction = false;
                return null;
            default:
                return null;
        }
    }

    /** Called by the registry after a swap, and by this connection when work ends on a retired snapshot. */
    void releaseIfIdle(Snapshot retired) {
        if (lock.isHeldByCurrentThread() || !lock.tryLock()) {
            return; // busy (or moving right now, in this thread): exit() checks again when the work ends
        }
        try {
            SnapshotSession s = session;
            if (s != null && s.snapshot == retired && !inTransaction && pinReason == null) {
                session = null;
                s.release();
            }
        } finally {
            lock.unlock();
        }
    }

    // ---- statements -------------------------------------------------------------------------

    @Override
    public Statement createStatement() throws SQLException {
        return createStatement(ResultSet.TYPE_FORWARD_ONLY, ResultSet.CONCUR_READ_ONLY, holdability);
    }

    @Override
    public Statement createStatement(int resultSetType, int resultSetConcurrency) throws SQLException {
        return createStatement(resultSetType, resultSetConcurrency, holdability);
    }

    @Override
    public Statement createStatement(int type, int concurrency, int holdability) throws SQLException {
        checkOpen();
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
        ServingPreparedStatement ps = new ServingPreparedStatement(this, sql, preparer);
        SnapshotSession s = enter();
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
        lock.lock();
        try {
            checkOpen();
            if (this.autoCommit == autoCommit) {
                return;
            }
            SnapshotSession s = session;
            if (s != null) {
                s.duck.setAutoCommit(autoCommit); // turning it on commits, as JDBC requires
            }
            this.autoCommit = autoCommit;
            state.setAutoCommit(autoCommit);
            if (autoCommit) {
                inTransaction = false;
            }
        } catch (SQLException e) {
            throw SqlStates.translate(e);
        } finally {
            exit();
        }
    }

    @Override
    public boolean getAutoCommit() throws SQLException {
        checkOpen();
        return autoCommit;
    }

    @Override
    public void commit() throws SQLException {
        endTransaction(true);
    }

    @Override
    public void rollback() throws SQLException {
        endTransaction(false);
    }

    private void endTransaction(boolean commit) throws SQLException {
        lock.lock();
        try {
            checkOpen();
            if (autoCommit) {
                throw new SQLException((commit ? "commit" : "rollback") + " called in auto-commit mode: call "
                        + "setAutoCommit(false) first", "25000");
            }
            SnapshotSession s = session;
            if (s != null && inTransaction) {
                if (commit) {
                    s.duck.commit();
                } else {
                    s.duck.rollback();
                }
            }
            inTransaction = false;
        } catch (SQLException e) {
            throw SqlStates.translate(e);
        } finally {
            exit();
        }
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

    /** Every level is honoured: a snapshot never changes, so each transaction is serializable. */
    @Override
    public void setTransactionIsolation(int level) throws SQLException {
        checkOpen();
        switch (level) {
            case TRANSACTION_NONE:
            case TRANSACTION_READ_UNCOMMITTED:
            case TRANSACTION_READ_COMMITTED:
            case TRANSACTION_REPEATABLE_READ:
            case TRANSACTION_SERIALIZABLE:
                isolation = level;
                return;
            default:
                throw new SQLException("Unknown transaction isolation level " + level, SqlStates.INVALID_PARAMETER);
        }
    }

    @Override
    public int getTransactionIsolation() throws SQLException {
        checkOpen();
        return isolation;
    }

    // ---- session settings -------------------------------------------------------------------

    @Override
    public void setCatalog(String catalog) throws SQLException {
        onSession(duck -> {
            duck.setCatalog(catalog);
            state.recordCatalog(catalog);
            return null;
        });
    }

    @Override
    public String getCatalog() throws SQLException {
        return onSession(DuckDBConnection::getCatalog);
    }

    @Override
    public void setSchema(String schema) throws SQLException {
        onSession(duck -> {
            duck.setSchema(schema);
            state.recordSchema(schema);
            return null;
        });
    }

    @Override
    public String getSchema() throws SQLException {
        return onSession(DuckDBConnection::getSchema);
    }

    private interface SessionCall<T> {
        T on(DuckDBConnection duck) throws SQLException;
    }

    /** Runs {@code call} on the DuckDB connection of the snapshot a statement would use now. */
    private <T> T onSession(SessionCall<T> call) throws SQLException {
        SnapshotSession s = enter();
        try {
            return call.on(s.duck);
        } catch (SQLException e) {
            throw SqlStates.translate(e);
        } finally {
            exit();
        }
    }

    /** Always read-only; {@code setReadOnly(false)} (HikariCP's default) is answered with a warning. */
    @Override
    public void setReadOnly(boolean readOnly) throws SQLException {
        checkOpen();
        if (!readOnly) {
            addWarning(new SQLWarning("jdbc:duckdb-serving: connections are always read-only; "
                    + "setReadOnly(false) has no effect"));
        }
    }

    @Override
    public boolean isReadOnly() throws SQLException {
        checkOpen();
        return true;
    }

    @Override
    public void setHoldability(int holdability) throws SQLException {
        checkOpen();
        if (holdability != ResultSet.CLOSE_CURSORS_AT_COMMIT && holdability != ResultSet.HOLD_CURSORS_OVER_COMMIT) {
            throw new SQLException("Unknown holdability " + holdability, SqlStates.INVALID_PARAMETER);
        }
        this.holdability = holdability;
    }

    @Override
    public int getHoldability() throws SQLException {
        checkOpen();
        return holdability;
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
        return warnings;
    }

    @Override
    public void clearWarnings() throws SQLException {
        checkOpen();
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
        return onSession(duck -> duck.createArrayOf(typeName, elements));
    }

    @Override
    public Struct createStruct(String typeName, Object[] attributes) throws SQLException {
        return onSession(duck -> duck.createStruct(typeName, attributes));
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

    /** Valid while open and a snapshot can be served; also moves an idle pooled connection to the newest one. */
    @Override
    public boolean isValid(int timeout) throws SQLException {
        if (timeout < 0) {
            throw new SQLException("isValid timeout must be at least 0, not " + timeout, SqlStates.INVALID_PARAMETER);
        }
        if (closed.get()) {
            return false;
        }
        try {
            enter();
            exit();
            return true;
        } catch (SQLException e) {
            return false;
        }
    }

    @Override
    public boolean isClosed() {
        return closed.get();
    }

    @Override
    public void close() throws SQLException {
        if (closed.compareAndSet(false, true)) {
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
            for (ServingStatement st : openStatements()) {
                st.cancelQuietly();
            }
            executor.execute(this::release);
        }
    }

    private void release() {
        for (ServingStatement st : openStatements()) {
            st.closeQuietly();
        }
        lock.lock();
        try {
            SnapshotSession s = session;
            session = null;
            if (s != null) {
                if (inTransaction && !autoCommit) {
                    try {
                        s.duck.rollback();
                    } catch (SQLException ignored) {
                        // The DuckDB connection is closed next; nothing was written anyway.
                    }
                }
                s.release();
            }
        } finally {
            lock.unlock();
            registry.unregister(this);
        }
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
            return (T) onSession(duck -> duck);
        }
        throw new SQLException("Cannot unwrap to " + iface.getName(), SqlStates.INVALID_PARAMETER);
    }

    @Override
    public boolean isWrapperFor(Class<?> iface) {
        return iface.isInstance(this) || iface.isAssignableFrom(DuckDBConnection.class);
    }

    /** The path this connection reads. */
    public String getPath() {
        return registry.path().toString();
    }

    @Override
    public String toString() {
        SnapshotSession s = session;
        return "ServingConnection[" + registry.path() + (s == null ? "" : ", " + s.snapshot) + "]";
    }
}
