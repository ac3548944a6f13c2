package io.duckserving.jdbc;

import io.duckserving.jdbc.snapshot.SqlStates;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/** JDBC answers that tools and frameworks act on: not-supported errors, isolation, holdability. */
class JdbcConformanceTest extends PublishedSnapshotTest {

    /** DuckDB's own driver on the same file, to learn what it refuses. */
    private Connection duckDb() throws SQLException {
        Properties p = new Properties();
        p.setProperty("duckdb.read_only", "true");
        p.setProperty("jdbc_instance_cache", "false");
        return DriverManager.getConnection("jdbc:duckdb:" + target, p);
    }

    private interface Target {
        Object get() throws SQLException;
    }

    /**
     * Calls every public method of {@code api} on DuckDB's object and ours (each from a fresh
     * {@link Target}); whatever DuckDB refuses as not supported, ours must answer or refuse with
     * SQLFeatureNotSupportedException and SQLState 0A000. Returns the mismatches; counts the refusals.
     */
    private static List<String> compareRefusals(Class<?> api, Target duck, Target ours, List<String> refused,
            String... skipped) throws Exception {
        List<String> wrong = new ArrayList<>();
        for (Method m : api.getMethods()) {
            if (List.of(skipped).contains(m.getName()) || m.getDeclaringClass() == Object.class) {
                continue;
            }
            Object[] args = arguments(m);
            if (!(invoke(m, duck.get(), args) instanceof SQLFeatureNotSupportedException)) {
                continue;
            }
            Throwable answer = invoke(m, ours.get(), args);
            if (answer == null) {
                continue; // answered by the driver itself
            }
            String name = m.getName() + List.of(m.getParameterTypes());
            if (answer instanceof SQLFeatureNotSupportedException
                    && SqlStates.NOT_SUPPORTED.equals(((SQLException) answer).getSQLState())) {
                refused.add(name);
            } else {
                wrong.add(name + ": " + answer);
            }
        }
        return wrong;
    }

    private static Object[] arguments(Method m) {
        Class<?>[] types = m.getParameterTypes();
        Object[] args = new Object[types.length];
        for (int i = 0; i < types.length; i++) {
            Class<?> t = types[i];
            args[i] = t == int.class ? (Object) 1 : t == long.class ? (Object) 1L : t == boolean.class ? (Object) false
                    : t == double.class ? (Object) 1d : t == float.class ? (Object) 1f : t == short.class ? (Object) (short) 1
                    : t == byte.class ? (Object) (byte) 1 : t == String.class ? "i" : null;
        }
        return args;
    }

    /** What the call threw, or null if it answered. */
    private static Throwable invoke(Method m, Object on, Object[] args) throws IllegalAccessException {
        try {
            Object result = m.invoke(on, args);
            if (result instanceof ResultSet) {
                ((ResultSet) result).close();
            }
            return null;
        } catch (InvocationTargetException e) {
            return e.getCause();
        } catch (SQLException closing) {
            return null;
        }
    }

    @Test
    void whatDuckDbDoesNotSupportIsRefusedWithSqlFeatureNotSupportedAnd0A000() throws Exception {
        try (Connection duck = duckDb(); Connection c = connect();
             PreparedStatement duckPs = duck.prepareStatement("SELECT ?::VARCHAR");
             PreparedStatement ps = c.prepareStatement("SELECT ?::VARCHAR");
             Statement duckSt = duck.createStatement(); Statement st = c.createStatement()) {
            List<String> refused = new ArrayList<>();
            List<String> wrong = new ArrayList<>(compareRefusals(DatabaseMetaData.class,
                    duck::getMetaData, c::getMetaData, refused));
            int metaData = refused.size();
            wrong.addAll(compareRefusals(PreparedStatement.class, () -> duckPs, () -> ps, refused,
                    "close", "closeOnCompletion", "cancel", "executeQuery", "executeUpdate", "executeLargeUpdate",
                    "execute", "executeBatch", "executeLargeBatch", "addBatch"));
            int prepared = refused.size() - metaData;
            wrong.addAll(compareRefusals(ResultSet.class, () -> row(duckSt), () -> row(st), refused,
                    "close", "next"));
            int results = refused.size() - metaData - prepared;
            assertEquals(List.of(), wrong, "refused without SQLFeatureNotSupportedException and 0A000");
            assertTrue(metaData >= 10 && prepared >= 5 && results >= 10,
                    "DuckDB refuses many of these (metadata " + metaData + ", setters " + prepared + ", results "
                            + results + "): " + refused);
            assertTrue(refused.toString().contains("setURL") && refused.toString().contains("setRowId")
                    && refused.toString().contains("getAttributes"), refused.toString());
        }
    }

    private static ResultSet row(Statement st) throws SQLException {
        ResultSet rs = st.executeQuery("SELECT 1 AS i");
        rs.next();
        return rs;
    }

    @Test
    void isolationAnswersAgreeAndEveryTransactionSeesOneSnapshot() throws Exception {
        try (Connection c = connect(); Statement s = c.createStatement()) {
            DatabaseMetaData md = c.getMetaData();
            assertEquals(Connection.TRANSACTION_SERIALIZABLE, md.getDefaultTransactionIsolation());
            assertEquals(md.getDefaultTransactionIsolation(), c.getTransactionIsolation(), "a new connection has the default");
            assertTrue(md.supportsTransactions());
            c.setAutoCommit(false);
            int version = 1;
            for (int level : new int[] {Connection.TRANSACTION_NONE, Connection.TRANSACTION_READ_UNCOMMITTED,
                    Connection.TRANSACTION_READ_COMMITTED, Connection.TRANSACTION_REPEATABLE_READ,
                    Connection.TRANSACTION_SERIALIZABLE}) {
                if (!md.supportsTransactionIsolationLevel(level)) {
                    SQLException e = assertThrows(SQLFeatureNotSupportedException.class,
                            () -> c.setTransactionIsolation(level), "level " + level + " is reported unsupported");
                    assertEquals(SqlStates.NOT_SUPPORTED, e.getSQLState());
                    continue;
                }
                c.setTransactionIsolation(level);
                assertEquals(level, c.getTransactionIsolation(), "a supported level is honoured and reported");
                // What is true at every level here: the transaction reads one snapshot, whatever is published.
                assertEquals(version, SnapshotFiles.read(s).version);
                SnapshotFiles.publish(target, ++version);
                assertEquals(version - 1, SnapshotFiles.read(s).version, "level " + level + " reads one snapshot");
                c.commit();
                assertEquals(version, SnapshotFiles.read(s).version, "the next transaction reads the new one");
                c.commit();
            }
            assertFalse(md.supportsTransactionIsolationLevel(Connection.TRANSACTION_NONE),
                    "there are always transactions");
            assertEquals(5, version, "four levels are supported");
            assertEquals(SqlStates.INVALID_PARAMETER,
                    assertThrows(SQLException.class, () -> c.setTransactionIsolation(3)).getSQLState());
        }
    }

    @Test
    void holdabilityAnswersAgreeWithResultsThatStayReadableAfterCommit() throws Exception {
        try (Connection c = connect(); Statement s = c.createStatement();
             Statement other = c.createStatement()) {
            DatabaseMetaData md = c.getMetaData();
            int holdability = c.getHoldability();
            assertEquals(ResultSet.HOLD_CURSORS_OVER_COMMIT, holdability);
            assertEquals(holdability, md.getResultSetHoldability());
            assertTrue(md.supportsResultSetHoldability(ResultSet.HOLD_CURSORS_OVER_COMMIT));
            assertFalse(md.supportsResultSetHoldability(ResultSet.CLOSE_CURSORS_AT_COMMIT));
            assertEquals(SqlStates.NOT_SUPPORTED, assertThrows(SQLFeatureNotSupportedException.class,
                    () -> c.setHoldability(ResultSet.CLOSE_CURSORS_AT_COMMIT)).getSQLState());
            assertEquals(SqlStates.NOT_SUPPORTED, assertThrows(SQLFeatureNotSupportedException.class,
                    () -> c.createStatement(ResultSet.TYPE_FORWARD_ONLY, ResultSet.CONCUR_READ_ONLY,
                            ResultSet.CLOSE_CURSORS_AT_COMMIT)).getSQLState());
            c.setHoldability(ResultSet.HOLD_CURSORS_OVER_COMMIT);
            try (Statement held = c.createStatement(ResultSet.TYPE_FORWARD_ONLY, ResultSet.CONCUR_READ_ONLY,
                    ResultSet.HOLD_CURSORS_OVER_COMMIT)) {
                assertEquals(holdability, held.getResultSetHoldability());
            }

            c.setAutoCommit(false);
            try (ResultSet rs = s.executeQuery("SELECT id, v FROM t ORDER BY id")) {
                assertEquals(holdability, rs.getHoldability());
                assertEquals(holdability, s.getResultSetHoldability());
                assertTrue(rs.next());
                c.commit();
                SnapshotFiles.publish(target, 2);
                assertEquals(2, SnapshotFiles.read(other).version, "the connection moved on after commit");
                c.commit();
                int rows = 1;
                while (rs.next()) {
                    assertEquals(1, rs.getInt(2), "the held result still reads its own snapshot");
                    rows++;
                }
                assertEquals(SnapshotFiles.DEFAULT_ROWS, rows, "every row is readable after commit");
            }
        }
    }
}
