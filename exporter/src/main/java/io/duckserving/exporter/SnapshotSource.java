package io.duckserving.exporter;

import java.sql.Connection;
import java.util.List;

/**
 * Where the rows come from. The exporter's work connection is an in-memory DuckDB that has the
 * temporary snapshot attached; a source copies its tables into it.
 */
interface SnapshotSource extends AutoCloseable {

    /** Makes the source readable from {@code work} and checks the schemas exist; writes nothing. */
    void prepare(Connection work) throws ExportException;

    /** A catalog alias for the snapshot that does not clash with the source's own names. */
    String targetAlias();

    /** Copies every table and view of the requested schemas as tables into {@code targetAlias}. */
    List<CopiedTable> copyInto(Connection work, String targetAlias) throws ExportException;

    /** What {@code serving_meta.publish.source} records. */
    String description();

    @Override
    void close() throws ExportException;
}
