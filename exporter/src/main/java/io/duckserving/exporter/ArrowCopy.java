package io.duckserving.exporter;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.apache.arrow.c.ArrowArrayStream;
import org.apache.arrow.c.Data;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.memory.util.MemoryUtil;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.duckdb.DuckDBConnection;

/**
 * A live {@link Connection} as source (a pipeline's own DuckDB connection, or any JDBC database):
 * each table streams through Arrow C Data into the snapshot ({@code registerArrowStream} on the
 * work connection) without an intermediate file. Arrow alone turns UUID and ENUM into VARCHAR
 * and HUGEINT into DECIMAL(38,0), so each target table is declared first from the source's own
 * column types and the Arrow rows are cast into it. All tables are read in one transaction, so
 * they come from one consistent state of the source.
 */
final class ArrowCopy implements SnapshotSource {

    private static final long BATCH_ROWS = 1 << 17;

    private final Connection source;
    private final List<String> schemas;
    private final Consumer<String> progress;
    private final List<SourceTable> tables = new ArrayList<>();
    private LiveSource live;
    private BufferAllocator allocator;
    private boolean restoreAutoCommit;
    private int streamCounter;

    ArrowCopy(Connection source, List<String> schemas, Consumer<String> progress) {
        this.source = source;
        this.schemas = schemas;
        this.progress = progress;
    }

    @Override
    public void prepare(Connection work) throws ExportException {
        allocator = openAllocator(); // first: fail before the source connection is touched
        try {
            live = source.isWrapperFor(DuckDBConnection.class) ? new DuckDbLiveSource(source)
                    : new JdbcLiveSource(source);
            if (source.getAutoCommit()) {
                source.setAutoCommit(false);
                restoreAutoCommit = true;
            }
            for (String schema : schemas) {
                tables.addAll(live.tables(live.resolveSchema(schema)));
            }
        } catch (SQLException e) {
            throw new ExportException(ExportException.Reason.FAILED, "cannot read the catalog of the source connection ("
                    + description() + "): " + e.getMessage(), e);
        }
    }

    /** Arrow's memory module reaches into java.nio; without the JVM option it fails at the first buffer. */
    private static BufferAllocator openAllocator() throws ExportException {
        try {
            BufferAllocator root = new RootAllocator();
            try (ArrowBuf probe = root.buffer(8)) {
                MemoryUtil.directBuffer(probe.memoryAddress(), 8); // what the C Data stream reader needs
            }
            return root;
        } catch (RuntimeException | LinkageError e) {
            throw new ExportException(ExportException.Reason.INVALID_REQUEST, "the live-connection route streams "
                    + "through Arrow, which needs the JVM option --add-opens=java.base/java.nio=ALL-UNNAMED on "
                    + "Java 17 and newer: add it to the java command (the exporter's -all jar carries it in its "
                    + "manifest) (" + e + ")", e);
        }
    }

    @Override
    public String targetAlias() {
        return "serving_export_target";
    }

    @Override
    public List<CopiedTable> copyInto(Connection work, String targetAlias) throws ExportException {
        List<CopiedTable> copied = new ArrayList<>();
        DuckDBConnection workDuck;
        try {
            workDuck = work.unwrap(DuckDBConnection.class);
        } catch (SQLException e) {
            throw new ExportException(ExportException.Reason.FAILED, "the work connection is not DuckDB's: "
                    + e.getMessage(), e);
        }
        SourceCatalog.createSchemas(work, targetAlias, tables, schemas);
        for (SourceTable table : tables) {
            long start = System.nanoTime();
            CopiedTable out = new CopiedTable(table.schema(), table.name(), 0);
            try (Statement st = work.createStatement(); CopyHeartbeat heartbeat = CopyHeartbeat.start(table, progress)) {
                st.execute("CREATE TABLE " + out.sqlName(targetAlias) + " (" + live.columnsOf(table) + ")");
                String streamName = "serving_export_arrow_" + (++streamCounter);
                try (StreamHandle ignored = streamInto(table, workDuck, streamName)) {
                    st.execute("INSERT INTO " + out.sqlName(targetAlias) + " SELECT * FROM "
                            + DuckDb.ident(streamName));
                }
                out = new CopiedTable(table.schema(), table.name(), SourceCatalog.count(st, out.sqlName(targetAlias)));
            } catch (SQLException e) {
                throw SourceCatalog.copyFailed(table, description(), e);
            }
            copied.add(out);
            progress.accept(SourceCatalog.progressLine(table, out.rows(), start));
        }
        return copied;
    }

    /**
     * Registers the table's rows as an Arrow stream on the work connection. DuckDB pulls the
     * batches while the INSERT runs; releasing the exported stream closes the reader and its result.
     */
    private StreamHandle streamInto(SourceTable table, DuckDBConnection work, String streamName)
            throws SQLException {
        Statement st = source.createStatement();
        try {
            ArrowReader reader = live.rows(table, st, allocator, BATCH_ROWS);
            ArrowArrayStream stream = ArrowArrayStream.allocateNew(allocator);
            // From here on, releasing the stream closes the reader.
            Data.exportArrayStream(allocator, reader, stream);
            StreamHandle handle = new StreamHandle(stream, st);
            try {
                work.registerArrowStream(streamName, stream);
            } catch (RuntimeException e) {
                handle.close();
                throw e;
            }
            return handle;
        } catch (SQLException | RuntimeException e) {
            st.close();
            throw e;
        }
    }

    /** An exported stream and the source statement it reads from, closed once the INSERT is done. */
    private record StreamHandle(ArrowArrayStream stream, Statement statement) implements AutoCloseable {
        @Override
        public void close() throws SQLException {
            stream.close();
            statement.close();
        }
    }

    /**
     * The source connection's URL, with passwords and other secrets hidden: it is written into the
     * snapshot's serving_meta, the manifest of every s3:// target (readable by every reader host),
     * history and progress lines.
     */
    @Override
    public String description() {
        try {
            return redactedUrl(source.getMetaData().getURL());
        } catch (SQLException | RuntimeException e) {
            return source.getClass().getName();
        }
    }

    private static final java.util.regex.Pattern SECRET_PARAMETER = java.util.regex.Pattern.compile(
            "(?i)([?&;:]\\s*[^=&;?:/]*(?:secret|token|password|passwd|pwd|credential|access_?key|key_?id|private_?key"
            + "|api_?key|auth)[^=&;?:/]*=)[^&;]*");

    /** A JDBC URL as text with the user:password@ part and the values of secret-named parameters as ***. */
    static String redactedUrl(String url) {
        if (url == null) {
            return null;
        }
        String shown = S3Settings.redacted(url).replaceAll("(?i)^(jdbc:oracle:[a-z]+:)[^@/]*/[^@]*@", "$1***@");
        return SECRET_PARAMETER.matcher(shown).replaceAll("$1***");
    }

    @Override
    public void close() throws ExportException {
        if (allocator != null) {
            allocator.close();
        }
        SQLException failure = null;
        if (restoreAutoCommit) {
            try {
                // Only reads happened: ending the transaction either way is the same.
                source.rollback();
                source.setAutoCommit(true);
            } catch (SQLException e) {
                failure = e;
            }
        }
        if (live != null) {
            try {
                live.close();
            } catch (SQLException e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw new ExportException(ExportException.Reason.FAILED, "cannot end the read transaction on the source "
                    + "connection or restore its settings: " + failure.getMessage(), failure);
        }
    }
}
