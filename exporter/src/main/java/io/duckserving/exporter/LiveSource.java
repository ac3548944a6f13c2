package io.duckserving.exporter;

import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.ipc.ArrowReader;

/** What {@link ArrowCopy} needs from a live source connection: its tables, their types, their rows as Arrow. */
interface LiveSource extends AutoCloseable {

    /** The schema's name as the source spells it; fails naming the schemas that exist. */
    String resolveSchema(String schema) throws SQLException, ExportException;

    List<SourceTable> tables(String schema) throws SQLException;

    /** The target's column list, "name TYPE, ...", in DuckDB's spelling of the source's types. */
    String columnsOf(SourceTable table) throws SQLException;

    /** The table's rows as an Arrow stream, read through {@code statement} (closed by the caller). */
    ArrowReader rows(SourceTable table, Statement statement, BufferAllocator allocator, long batchRows)
            throws SQLException;

    /** Undoes what the source changed on the caller's connection; the connection itself stays open. */
    @Override
    void close() throws SQLException;
}
