package io.duckserving.jdbc.snapshot;

import java.sql.SQLDataException;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.SQLIntegrityConstraintViolationException;
import java.sql.SQLInvalidAuthorizationSpecException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLSyntaxErrorException;
import java.sql.SQLTimeoutException;
import java.sql.SQLTransientException;
import java.sql.SQLWarning;

/**
 * SQLStates for DuckDB's errors, which carry none: DuckDB's message starts with its error class
 * ("Catalog Error: ..."), and Spring, jOOQ and friends translate exceptions by SQLState.
 */
public final class SqlStates {
    public static final String CANNOT_CONNECT = "08001";
    static final String CONNECTION_FAILURE = "08006";
    static final String CONNECTION_CLOSED = "08003";
    public static final String NOT_SUPPORTED = "0A000";
    public static final String INVALID_PARAMETER = "22023";
    static final String READ_ONLY = "25006";
    static final String GENERAL = "HY000";
    static final String INSUFFICIENT_PRIVILEGE = "42501";
    private static final java.util.regex.Pattern LOCKED_OPTION = java.util.regex.Pattern.compile(
            "Cannot change configuration option \"+\"?([^\"]*)\"+ - the configuration has been locked");

    private SqlStates() {
    }

    /** DuckDB's exception with an SQLState and the matching subclass; the original stays the cause. */
    public static SQLException translate(SQLException e) {
        String message = e.getMessage() == null ? "" : e.getMessage();
        if (e instanceof SQLFeatureNotSupportedException && !NOT_SUPPORTED.equals(e.getSQLState())) {
            // DuckDB refuses dozens of JDBC methods this way, with no SQLState and the method name as message.
            SQLException translated = new SQLFeatureNotSupportedException(
                    message + " is not supported by DuckDB's JDBC driver", NOT_SUPPORTED, e);
            translated.setNextException(e.getNextException());
            return translated;
        }
        if (e.getSQLState() != null) {
            return e;
        }
        java.util.regex.Matcher locked = LOCKED_OPTION.matcher(message);
        if (locked.find()) {
            return instanceSetting(locked.group(1), e);
        }
        String state = stateOf(message);
        SQLException translated;
        switch (state.substring(0, 2)) {
            case "42":
                translated = state.equals("42501")
                        ? new SQLInvalidAuthorizationSpecException(message, state, e)
                        : new SQLSyntaxErrorException(message, state, e);
                break;
            case "22":
                translated = new SQLDataException(message, state, e);
                break;
            case "23":
                translated = new SQLIntegrityConstraintViolationException(message, state, e);
                break;
            case "0A":
                translated = new SQLFeatureNotSupportedException(message, state, e);
                break;
            case "57":
                translated = new SQLTimeoutException(message, state, e);
                break;
            case "53":
                translated = new SQLTransientException(message, state, e);
                break;
            case "08":
                translated = new SQLNonTransientConnectionException(message, state, e);
                break;
            default:
                translated = new SQLException(message, state, e);
        }
        translated.setNextException(e.getNextException());
        return translated;
    }

    static String stateOf(String message) {
        if (message.contains("read-only mode") || message.contains("read only mode")) {
            return READ_ONLY;
        }
        int colon = message.indexOf(" Error:");
        String kind = colon < 0 ? "" : message.substring(0, colon);
        switch (kind) {
            case "Parser":
            case "Syntax":
                return "42601";
            case "Catalog":
                return "42704";
            case "Binder":
                return message.contains("not found") ? "42703" : "42000";
            case "Permission":
                return "42501";
            case "Conversion":
                return "22018";
            case "Out of Range":
                return "22003";
            case "Invalid Input":
                return "22023";
            case "Constraint":
                return "23000";
            case "Not implemented":
                return NOT_SUPPORTED;
            case "INTERRUPT":
            case "Interrupt":
                return "57014";
            case "IO":
                return "58030";
            case "Out of Memory":
                return "53200";
            case "Transaction":
                return "25000";
            case "TransactionContext":
                return "25P02";
            case "Dependency":
                return "2BP01";
            case "Sequence":
                return "2200H";
            case "Connection":
                return CONNECTION_FAILURE;
            default:
                return GENERAL;
        }
    }

    /** {@code w} appended to the chain {@code head} (which may be null); returns the head. */
    public static SQLWarning chain(SQLWarning head, SQLWarning w) {
        if (head == null) {
            return w;
        }
        head.setNextWarning(w);
        return head;
    }

    /** A setting that acts on every connection of the snapshot, refused from SQL (42501). */
    static SQLException instanceSetting(String setting, Throwable cause) {
        String fix = setting.contains("logging") || setting.contains("profil") || setting.contains("log_")
                || setting.contains("tracked_metrics")
                ? " Logging and profiling show or print every connection's SQL, so they are off for readers."
                : " Give it as a URL option instead (jdbc:duckdb-serving:<path>;" + setting + "=...): connections "
                        + "with other options get a DuckDB instance of their own.";
        return new SQLInvalidAuthorizationSpecException("Setting " + setting + " acts on every connection reading "
                + "this snapshot, so SQL may not change it." + fix + " A trusted single-user setup may set "
                + PropertyNames.ALLOW_INSTANCE_SETTINGS + "=true.", INSUFFICIENT_PRIVILEGE, cause);
    }

    public static SQLException closed(String what) {
        return new SQLNonTransientConnectionException(what + " is closed", CONNECTION_CLOSED);
    }

    public static SQLFeatureNotSupportedException notSupported(String what) {
        return new SQLFeatureNotSupportedException(what + " is not supported: jdbc:duckdb-serving: reads "
                + "immutable snapshots", NOT_SUPPORTED);
    }
}
