package io.duckserving.exporter;

/** One table written into the snapshot, with the rows it received. */
record CopiedTable(String schema, String table, long rows) {

    String qualifiedName() {
        return schema + "." + table;
    }

    String sqlName(String catalog) {
        return DuckDb.ident(catalog) + "." + DuckDb.ident(schema) + "." + DuckDb.ident(table);
    }
}
