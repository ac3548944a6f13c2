package io.duckserving.jdbc;

import io.duckserving.jdbc.snapshot.Snapshot;
import com.google.auto.service.AutoService;
import java.sql.Connection;
import java.sql.Driver;
import java.sql.DriverManager;
import java.sql.DriverPropertyInfo;
import java.sql.SQLException;
import java.util.Properties;
import java.util.logging.Logger;

/**
 * {@code jdbc:duckdb-serving:<path>[;key=value]...}: a read-only JDBC driver that follows a DuckDB
 * file as it is atomically republished. Answers {@code null} for any other URL, as JDBC asks.
 */
@AutoService(Driver.class)
public final class ServingDriver implements Driver {
    static final String LOGGER_NAME = "io.duckserving.jdbc";
    static final int MAJOR_VERSION = 0;
    static final int MINOR_VERSION = 1;

    static {
        try {
            DriverManager.registerDriver(new ServingDriver());
        } catch (SQLException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    @Override
    public Connection connect(String url, Properties info) throws SQLException {
        if (!acceptsURL(url)) {
            return null;
        }
        ServingUrl parsed = ServingUrl.parse(url, info);
        return new ServingConnection(parsed);
    }

    @Override
    public boolean acceptsURL(String url) {
        return ServingUrl.accepts(url);
    }

    /** The driver's own properties; DuckDB's options (threads, memory_limit, TimeZone...) pass through too. */
    @Override
    public DriverPropertyInfo[] getPropertyInfo(String url, Properties info) throws SQLException {
        Properties props = new Properties();
        if (acceptsURL(url)) {
            props.putAll(ServingUrl.options(url, info));
        } else if (info != null) {
            props.putAll(info);
        }
        ServingProperty[] all = ServingProperty.values();
        DriverPropertyInfo[] infos = new DriverPropertyInfo[all.length];
        for (int i = 0; i < all.length; i++) {
            infos[i] = all[i].toDriverPropertyInfo(props);
        }
        return infos;
    }

    @Override
    public int getMajorVersion() {
        return MAJOR_VERSION;
    }

    @Override
    public int getMinorVersion() {
        return MINOR_VERSION;
    }

    /** Not JDBC compliant in the strict sense: it is read-only and has no stored procedures. */
    @Override
    public boolean jdbcCompliant() {
        return false;
    }

    @Override
    public Logger getParentLogger() {
        return Logger.getLogger(LOGGER_NAME);
    }

    /** DuckDB databases this driver has opened in this JVM, all paths, since it loaded: one per snapshot. */
    public static long snapshotsOpened() {
        return Snapshot.opened();
    }

    /** DuckDB databases this driver holds open now, all paths. */
    public static int openSnapshots() {
        return Snapshot.open();
    }
}
