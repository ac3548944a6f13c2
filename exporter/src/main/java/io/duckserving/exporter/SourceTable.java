package io.duckserving.exporter;

/** A table or view of the source, as named there. */
record SourceTable(String schema, String name, boolean view) {
}
