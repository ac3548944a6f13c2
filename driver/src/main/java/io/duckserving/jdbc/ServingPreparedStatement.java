package io.duckserving.jdbc;

import io.duckserving.jdbc.snapshot.Parameters;
import io.duckserving.jdbc.snapshot.SnapshotSession;
import io.duckserving.jdbc.snapshot.SqlKind;
import io.duckserving.jdbc.snapshot.SqlStates;
import java.io.InputStream;
import java.io.Reader;
import java.math.BigDecimal;
import java.net.URL;
import java.sql.Array;
import java.sql.Blob;
import java.sql.Clob;
import java.sql.Date;
import java.sql.NClob;
import java.sql.ParameterMetaData;
import java.sql.PreparedStatement;
import java.sql.Ref;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.RowId;
import java.sql.SQLException;
import java.sql.SQLType;
import java.sql.SQLXML;
import java.sql.Time;
import java.sql.Timestamp;
import java.util.Arrays;
import java.util.Calendar;
import java.util.List;
import org.duckdb.DuckDBConnection;

/**
 * A prepared statement that remembers its SQL and parameters, and prepares itself again on the
 * new snapshot at its next execution after a move. Parameters go to DuckDB at once (so a bad
 * index fails where it is set) and are also recorded for that replay.
 */
final class ServingPreparedStatement extends ServingStatement implements PreparedStatement {
    /** Prepares the SQL on a given DuckDB connection. */
    interface Preparer {
        PreparedStatement prepare(DuckDBConnection duck) throws SQLException;
    }

    /** One recorded parameter setting, replayable on any prepared statement. */
    private interface Binding {
        void apply(PreparedStatement ps) throws SQLException;
    }

    private final String sql;
    private final SqlKind kind;
    private final boolean readQuery;
    private Binding[] parameters = new Binding[8];
    private int parameterCount;

    ServingPreparedStatement(ServingConnection connection, String sql, Preparer preparer) {
        super(connection, preparer::prepare);
        this.sql = sql;
        this.kind = SqlKind.of(sql);
        this.readQuery = SqlKind.isReadQuery(kind, sql);
    }

    /** The DuckDB prepared statement on {@code s}: prepared again, with settings and parameters, after a move. */
    PreparedStatement prepareOn(SnapshotSession s) throws SQLException {
        PreparedStatement ps = (PreparedStatement) physical;
        if (boundTo != s || ps == null || ps.isClosed()) {
            closePhysical();
            try {
                ps = (PreparedStatement) createPhysical(s);
            } catch (SQLException e) {
                throw failed(kind, s, e);
            }
            if (kind == SqlKind.SCRIPT) {
                // DuckDB runs every statement but the last while preparing: remember what they did.
                List<String> statements = SqlKind.statements(sql);
                for (String statement : statements.subList(0, statements.size() - 1)) {
                    finish(SqlKind.of(statement), statement, s);
                }
            }
            applySettings(ps);
            for (int i = 0; i < parameterCount; i++) {
                if (parameters[i] != null) {
                    parameters[i].apply(ps);
                }
            }
            physical = ps;
            boundTo = s;
        }
        return ps;
    }

    /** Its SQL never changes: whether it only reads is decided once, not at every execution. */
    @Override
    boolean isReadQuery(SqlKind kind, String sql) {
        return readQuery;
    }

    /** A copy of the bindings as they are now: later setXxx calls replace array slots, never a binding. */
    @Override
    Parameters replayParameters() {
        Binding[] bound = Arrays.copyOf(parameters, parameterCount);
        return ps -> {
            for (Binding b : bound) {
                if (b != null) {
                    b.apply(ps);
                }
            }
        };
    }

    private void bind(int index, Binding binding) throws SQLException {
        checkOpen();
        if (index < 1) {
            throw new SQLException("Parameter index " + index + " is out of range: parameters count from 1",
                    SqlStates.INVALID_PARAMETER);
        }
        PreparedStatement ps = (PreparedStatement) physical;
        if (ps != null) {
            try {
                binding.apply(ps);
            } catch (SQLException e) {
                // The DuckDB statement may have closed with a snapshot the connection just left.
                if (!ps.isClosed()) {
                    throw SqlStates.translate(e);
                }
            }
        }
        if (index > parameters.length) {
            parameters = Arrays.copyOf(parameters, Math.max(index, parameters.length * 2));
        }
        parameters[index - 1] = binding;
        parameterCount = Math.max(parameterCount, index);
    }

    @Override
    public void clearParameters() throws SQLException {
        checkOpen();
        Arrays.fill(parameters, null);
        parameterCount = 0;
        PreparedStatement ps = (PreparedStatement) physical;
        if (ps != null && !ps.isClosed()) {
            ps.clearParameters();
        }
    }

    @Override
    public ResultSet executeQuery() throws SQLException {
        return execute(kind, sql, s -> wrap(prepareOn(s).executeQuery(), s));
    }

    @Override
    public boolean execute() throws SQLException {
        return execute(kind, sql, s -> {
            PreparedStatement ps = prepareOn(s);
            return afterExecute(ps, ps.execute(), s);
        });
    }

    @Override
    public long executeLargeUpdate() throws SQLException {
        return execute(kind, sql, s -> updated(prepareOn(s).executeLargeUpdate()));
    }

    @Override
    public int executeUpdate() throws SQLException {
        return (int) executeLargeUpdate();
    }

    @Override
    public void addBatch() throws SQLException {
        throw SqlStates.notSupported("Batches of a prepared statement");
    }

    @Override
    public ResultSetMetaData getMetaData() throws SQLException {
        return lookup(PreparedStatement::getMetaData);
    }

    @Override
    public ParameterMetaData getParameterMetaData() throws SQLException {
        return lookup(PreparedStatement::getParameterMetaData);
    }

    private interface Lookup<T> {
        T on(PreparedStatement ps) throws SQLException;
    }

    /**
     * Asks the DuckDB statement as prepared now; prepares it on the current snapshot only when it
     * has none, so a result set still open on it is left alone.
     */
    private <T> T lookup(Lookup<T> lookup) throws SQLException {
        checkOpen();
        PreparedStatement ps = (PreparedStatement) physical;
        if (ps != null && !ps.isClosed()) {
            try {
                return lookup.on(ps);
            } catch (SQLException e) {
                throw SqlStates.translate(e);
            }
        }
        return connection.binding().run(false, s -> lookup.on(prepareOn(s)));
    }

    // A prepared statement runs its own SQL; JDBC forbids these on it.

    @Override
    public ResultSet executeQuery(String sql) throws SQLException {
        throw wrongExecute();
    }

    @Override
    public boolean execute(String sql) throws SQLException {
        throw wrongExecute();
    }

    @Override
    public long executeLargeUpdate(String sql) throws SQLException {
        throw wrongExecute();
    }

    @Override
    public void addBatch(String sql) throws SQLException {
        throw wrongExecute();
    }

    private static SQLException wrongExecute() {
        return new SQLException("A PreparedStatement runs the SQL it was prepared with: call executeQuery() "
                + "without arguments, or use createStatement() for other SQL", "42000");
    }

    @Override
    public String toString() {
        return sql;
    }

    @Override
    public void setArray(int index, Array x) throws SQLException {
        bind(index, ps -> ps.setArray(index, x));
    }

    @Override
    public void setBigDecimal(int index, BigDecimal x) throws SQLException {
        bind(index, ps -> ps.setBigDecimal(index, x));
    }

    @Override
    public void setBlob(int index, Blob x) throws SQLException {
        bind(index, ps -> ps.setBlob(index, x));
    }

    @Override
    public void setBoolean(int index, boolean x) throws SQLException {
        bind(index, ps -> ps.setBoolean(index, x));
    }

    @Override
    public void setByte(int index, byte x) throws SQLException {
        bind(index, ps -> ps.setByte(index, x));
    }

    @Override
    public void setBytes(int index, byte[] x) throws SQLException {
        bind(index, ps -> ps.setBytes(index, x));
    }

    @Override
    public void setClob(int index, Clob x) throws SQLException {
        bind(index, ps -> ps.setClob(index, x));
    }

    @Override
    public void setDate(int index, Date x) throws SQLException {
        bind(index, ps -> ps.setDate(index, x));
    }

    @Override
    public void setDate(int index, Date x, Calendar y) throws SQLException {
        bind(index, ps -> ps.setDate(index, x, y));
    }

    @Override
    public void setDouble(int index, double x) throws SQLException {
        bind(index, ps -> ps.setDouble(index, x));
    }

    @Override
    public void setFloat(int index, float x) throws SQLException {
        bind(index, ps -> ps.setFloat(index, x));
    }

    @Override
    public void setInt(int index, int x) throws SQLException {
        bind(index, ps -> ps.setInt(index, x));
    }

    @Override
    public void setLong(int index, long x) throws SQLException {
        bind(index, ps -> ps.setLong(index, x));
    }

    @Override
    public void setNClob(int index, NClob x) throws SQLException {
        bind(index, ps -> ps.setNClob(index, x));
    }

    @Override
    public void setNString(int index, String x) throws SQLException {
        bind(index, ps -> ps.setNString(index, x));
    }

    @Override
    public void setNull(int index, int x) throws SQLException {
        bind(index, ps -> ps.setNull(index, x));
    }

    @Override
    public void setNull(int index, int x, String y) throws SQLException {
        bind(index, ps -> ps.setNull(index, x, y));
    }

    @Override
    public void setObject(int index, Object x) throws SQLException {
        bind(index, ps -> ps.setObject(index, x));
    }

    @Override
    public void setObject(int index, Object x, SQLType y) throws SQLException {
        bind(index, ps -> ps.setObject(index, x, y));
    }

    @Override
    public void setObject(int index, Object x, SQLType y, int z) throws SQLException {
        bind(index, ps -> ps.setObject(index, x, y, z));
    }

    @Override
    public void setObject(int index, Object x, int y) throws SQLException {
        bind(index, ps -> ps.setObject(index, x, y));
    }

    @Override
    public void setObject(int index, Object x, int y, int z) throws SQLException {
        bind(index, ps -> ps.setObject(index, x, y, z));
    }

    @Override
    public void setRef(int index, Ref x) throws SQLException {
        bind(index, ps -> ps.setRef(index, x));
    }

    @Override
    public void setRowId(int index, RowId x) throws SQLException {
        bind(index, ps -> ps.setRowId(index, x));
    }

    @Override
    public void setSQLXML(int index, SQLXML x) throws SQLException {
        bind(index, ps -> ps.setSQLXML(index, x));
    }

    @Override
    public void setShort(int index, short x) throws SQLException {
        bind(index, ps -> ps.setShort(index, x));
    }

    @Override
    public void setString(int index, String x) throws SQLException {
        bind(index, ps -> ps.setString(index, x));
    }

    @Override
    public void setTime(int index, Time x) throws SQLException {
        bind(index, ps -> ps.setTime(index, x));
    }

    @Override
    public void setTime(int index, Time x, Calendar y) throws SQLException {
        bind(index, ps -> ps.setTime(index, x, y));
    }

    @Override
    public void setTimestamp(int index, Timestamp x) throws SQLException {
        bind(index, ps -> ps.setTimestamp(index, x));
    }

    @Override
    public void setTimestamp(int index, Timestamp x, Calendar y) throws SQLException {
        bind(index, ps -> ps.setTimestamp(index, x, y));
    }

    @Override
    public void setURL(int index, URL x) throws SQLException {
        bind(index, ps -> ps.setURL(index, x));
    }

    // Streams can be read only once but may need replaying on a new snapshot: read them now.

    @Override
    public void setAsciiStream(int index, InputStream x) throws SQLException {
        setString(index, x == null ? null : Streams.ascii(x, -1));
    }

    @Override
    public void setAsciiStream(int index, InputStream x, int length) throws SQLException {
        setString(index, x == null ? null : Streams.ascii(x, length));
    }

    @Override
    public void setAsciiStream(int index, InputStream x, long length) throws SQLException {
        setString(index, x == null ? null : Streams.ascii(x, length));
    }

    @Override
    @Deprecated
    public void setUnicodeStream(int index, InputStream x, int length) throws SQLException {
        throw SqlStates.notSupported("setUnicodeStream (deprecated since JDBC 2.0; use setCharacterStream)");
    }

    @Override
    public void setBinaryStream(int index, InputStream x) throws SQLException {
        setBytes(index, x == null ? null : Streams.bytes(x, -1));
    }

    @Override
    public void setBinaryStream(int index, InputStream x, int length) throws SQLException {
        setBytes(index, x == null ? null : Streams.bytes(x, length));
    }

    @Override
    public void setBinaryStream(int index, InputStream x, long length) throws SQLException {
        setBytes(index, x == null ? null : Streams.bytes(x, length));
    }

    @Override
    public void setBlob(int index, InputStream x) throws SQLException {
        setBytes(index, x == null ? null : Streams.bytes(x, -1));
    }

    @Override
    public void setBlob(int index, InputStream x, long length) throws SQLException {
        setBytes(index, x == null ? null : Streams.bytes(x, length));
    }

    @Override
    public void setCharacterStream(int index, Reader x) throws SQLException {
        setString(index, x == null ? null : Streams.text(x, -1));
    }

    @Override
    public void setCharacterStream(int index, Reader x, int length) throws SQLException {
        setString(index, x == null ? null : Streams.text(x, length));
    }

    @Override
    public void setCharacterStream(int index, Reader x, long length) throws SQLException {
        setString(index, x == null ? null : Streams.text(x, length));
    }

    @Override
    public void setNCharacterStream(int index, Reader x) throws SQLException {
        setString(index, x == null ? null : Streams.text(x, -1));
    }

    @Override
    public void setNCharacterStream(int index, Reader x, long length) throws SQLException {
        setString(index, x == null ? null : Streams.text(x, length));
    }

    @Override
    public void setClob(int index, Reader x) throws SQLException {
        setString(index, x == null ? null : Streams.text(x, -1));
    }

    @Override
    public void setClob(int index, Reader x, long length) throws SQLException {
        setString(index, x == null ? null : Streams.text(x, length));
    }

    @Override
    public void setNClob(int index, Reader x) throws SQLException {
        setString(index, x == null ? null : Streams.text(x, -1));
    }

    @Override
    public void setNClob(int index, Reader x, long length) throws SQLException {
        setString(index, x == null ? null : Streams.text(x, length));
    }
}
