package io.duckserving.exporter;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The lakehouse file as source: ATTACHed read-only to the work connection under its own catalog
 * name (so views that name it, as dbt and SQLMesh write them, still resolve) and copied with
 * {@code CREATE TABLE AS}, which DuckDB runs in parallel and which keeps every column type.
 */
final class AttachedFileSource implements SnapshotSource {

    private static final long LOCK_POLL_MILLIS = 200;
    private static final Pattern LOCK_HOLDER = Pattern.compile("Conflicting lock is held in (.*?) \\(PID (\\d+)\\)");

    private final Path source;
    private final List<String> schemas;
    private final Deadline deadline;
    private final Consumer<String> progress;
    private String sourceAlias;
    private final List<SourceTable> tables = new ArrayList<>();

    AttachedFileSource(Path source, List<String> schemas, Deadline deadline, Consumer<String> progress) {
        this.source = source;
        this.schemas = schemas;
        this.deadline = deadline;
        this.progress = progress;
    }

    @Override
    public void prepare(Connection work) throws ExportException {
        if (!Files.isRegularFile(source)) {
            throw new ExportException(ExportException.Reason.INVALID_REQUEST, "source " + source
                    + " does not exist or is not a file; pass the lakehouse's DuckDB file with --source");
        }
        attachWaitingForWriter(work);
        try {
            for (String schema : schemas) {
                String actual = SourceCatalog.resolveSchema(work, sourceAlias, schema, "source " + source);
                tables.addAll(SourceCatalog.listTables(work, sourceAlias, actual));
            }
        } catch (SQLException e) {
            throw new ExportException(ExportException.Reason.FAILED, "cannot read the catalog of source " + source
                    + ": " + e.getMessage(), e);
        }
    }

    private void attachWaitingForWriter(Connection work) throws ExportException {
        boolean announced = false;
        while (true) {
            // A failed ATTACH closes DuckDB's Statement: use a fresh one per attempt.
            try (Statement st = work.createStatement()) {
                st.execute("ATTACH " + DuckDb.literal(source) + " (READ_ONLY)");
                sourceAlias = aliasOf(work);
                // Unqualified names in the source's views resolve in the source.
                st.execute("USE " + DuckDb.ident(sourceAlias));
                return;
            } catch (SQLException e) {
                String message = String.valueOf(e.getMessage());
                if (message.contains("Unique file handle conflict") || message.contains("already attached")) {
                    throw new ExportException(ExportException.Reason.INVALID_REQUEST, "source " + source
                            + " is already open in this JVM by another DuckDB database (the pipeline's own "
                            + "connection?); close it before exporting, or export from that connection with "
                            + "ExportRequest.builder().sourceConnection(...)", e);
                }
                if (!message.contains("Could not set lock")) {
                    throw new ExportException(ExportException.Reason.INVALID_REQUEST, "cannot open source " + source
                            + " read-only: " + message + "; check that it is a DuckDB database file", e);
                }
                if (deadline.expired()) {
                    throw new ExportException(ExportException.Reason.SOURCE_LOCKED, "source " + source
                            + " is locked by a writer" + holderOf(message) + "; waited until the end of --wait ("
                            + deadline.budget().toSeconds() + " s, counted from the start of the export). "
                            + "Run the export after the pipeline has finished, or raise --wait", e);
                }
                if (!announced) {
                    progress.accept("source " + source + " is locked by a writer" + holderOf(message)
                            + "; waiting up to " + deadline.remainingSeconds() + " s");
                    announced = true;
                }
                sleep(Math.min(LOCK_POLL_MILLIS, Math.max(1, deadline.remainingNanos() / 1_000_000)));
            }
        }
    }

    /**
     * The catalog name DuckDB gave the source. DuckDB lists an attached file under its real path
     * (symlinks resolved), so compare real paths: a source given through a symlink, or under a
     * symlinked directory such as macOS's /tmp, is found too.
     */
    private String aliasOf(Connection work) throws SQLException, ExportException {
        Path wanted = realPath(source);
        try (Statement st = work.createStatement();
                ResultSet rs = st.executeQuery("SELECT database_name, path FROM duckdb_databases() "
                        + "WHERE path IS NOT NULL")) {
            while (rs.next()) {
                if (wanted.equals(realPath(Path.of(rs.getString(2))))) {
                    return rs.getString(1);
                }
            }
        }
        throw new ExportException(ExportException.Reason.FAILED, "attached source " + source + " (real path "
                + wanted + ") but DuckDB does not list it in duckdb_databases(); pass the lakehouse file's real "
                + "path with --source");
    }

    /** The real path when it can be resolved, else the absolute normalized one. */
    static Path realPath(Path path) {
        try {
            return path.toRealPath();
        } catch (IOException | RuntimeException e) {
            return path.toAbsolutePath().normalize();
        }
    }

    /** " (PID 4548, /usr/bin/java)" when DuckDB's message names the holder, else "". */
    static String holderOf(String duckdbMessage) {
        Matcher m = LOCK_HOLDER.matcher(duckdbMessage);
        return m.find() ? " (PID " + m.group(2) + ", " + m.group(1) + ")" : "";
    }

    private static void sleep(long millis) throws ExportException {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ExportException(ExportException.Reason.FAILED, "interrupted while waiting for the source", e);
        }
    }

    @Override
    public String targetAlias() {
        String alias = "serving_export_target";
        return DuckDb.sameName(alias, sourceAlias) ? alias + "_2" : alias;
    }

    @Override
    public List<CopiedTable> copyInto(Connection work, String targetAlias) throws ExportException {
        SourceCatalog.createSchemas(work, targetAlias, tables, schemas);
        List<CopiedTable> copied = new ArrayList<>();
        try (Statement st = work.createStatement()) {
            for (SourceTable table : tables) {
                long start = System.nanoTime();
                CopiedTable out = new CopiedTable(table.schema(), table.name(), 0);
                try (CopyHeartbeat ignored = CopyHeartbeat.start(table, progress)) {
                    st.execute("CREATE TABLE " + out.sqlName(targetAlias) + " AS SELECT * FROM "
                            + DuckDb.ident(sourceAlias) + "." + DuckDb.ident(table.schema()) + "."
                            + DuckDb.ident(table.name()));
                    out = new CopiedTable(table.schema(), table.name(), SourceCatalog.count(st, out.sqlName(targetAlias)));
                } catch (SQLException e) {
                    throw SourceCatalog.copyFailed(table, source.toString(), e);
                }
                copied.add(out);
                progress.accept(SourceCatalog.progressLine(table, out.rows(), start));
            }
        } catch (SQLException e) {
            throw new ExportException(ExportException.Reason.FAILED, "cannot open a statement on the work "
                    + "connection: " + e.getMessage(), e);
        }
        return copied;
    }

    @Override
    public String description() {
        return source.toString();
    }

    @Override
    public void close() {
        // The work connection owns the attachment and closes it.
    }
}
