package io.duckserving.jdbc;

import io.duckserving.jdbc.snapshot.SqlStates;
import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.Properties;
import java.util.logging.Logger;
import javax.sql.DataSource;

/**
 * A {@link DataSource} for pools and Spring: {@code setUrl("jdbc:duckdb-serving:/data/analytics.duckdb")},
 * optionally {@code setProperties(...)}. User name and password are accepted and ignored: DuckDB
 * has no authentication.
 */
public class ServingDataSource implements DataSource {
    private final ServingDriver driver = new ServingDriver();
    private volatile String url;
    private volatile Properties properties = new Properties();
    private volatile PrintWriter logWriter;
    private volatile int loginTimeout;

    public ServingDataSource() {
    }

    public ServingDataSource(String url) {
        setUrl(url);
    }

    public String getUrl() {
        return url;
    }

    public void setUrl(String url) {
        if (!driver.acceptsURL(url)) {
            throw new IllegalArgumentException("Not a jdbc:duckdb-serving: URL: " + url
                    + " (expected jdbc:duckdb-serving:/path/to/analytics.duckdb)");
        }
        this.url = url;
    }

    public Properties getProperties() {
        Properties copy = new Properties();
        copy.putAll(properties);
        return copy;
    }

    public void setProperties(Properties properties) {
        Properties copy = new Properties();
        if (properties != null) {
            copy.putAll(properties);
        }
        this.properties = copy;
    }

    @Override
    public Connection getConnection() throws SQLException {
        String u = url;
        if (u == null) {
            throw new SQLException("ServingDataSource has no URL: call setUrl(\"jdbc:duckdb-serving:/path/to/file\")",
                    SqlStates.CANNOT_CONNECT);
        }
        return driver.connect(u, getProperties());
    }

    @Override
    public Connection getConnection(String username, String password) throws SQLException {
        return getConnection();
    }

    @Override
    public PrintWriter getLogWriter() {
        return logWriter;
    }

    @Override
    public void setLogWriter(PrintWriter out) {
        this.logWriter = out;
    }

    @Override
    public void setLoginTimeout(int seconds) {
        this.loginTimeout = seconds;
    }

    @Override
    public int getLoginTimeout() {
        return loginTimeout;
    }

    @Override
    public Logger getParentLogger() throws SQLFeatureNotSupportedException {
        return driver.getParentLogger();
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T> T unwrap(Class<T> iface) throws SQLException {
        if (iface.isInstance(this)) {
            return (T) this;
        }
        throw new SQLException("Cannot unwrap to " + iface.getName(), SqlStates.INVALID_PARAMETER);
    }

    @Override
    public boolean isWrapperFor(Class<?> iface) {
        return iface.isInstance(this);
    }
}
