package io.duckserving.jdbc;

import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.ResultSet;
import java.sql.RowIdLifetime;
import java.sql.SQLException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * DuckDB's metadata, answered on the snapshot the connection binds to at each call (a metadata
 * call moves an idle connection like a statement does). Result sets keep their snapshot until closed.
 */
final class ServingMetaData implements DatabaseMetaData {
    private interface Call<T> {
        T on(DatabaseMetaData md) throws SQLException;
    }

    private final ServingConnection connection;
    /** Open metadata results, closed with the connection (they have no statement to close them). */
    private final Set<ServingResultSet> results = ConcurrentHashMap.newKeySet();

    ServingMetaData(ServingConnection connection) {
        this.connection = connection;
    }

    void forget(ServingResultSet rs) {
        results.remove(rs);
    }

    void closeResults() {
        for (ServingResultSet rs : results) {
            try {
                rs.close();
            } catch (SQLException ignored) {
                // Best effort: the connection is going away.
            }
        }
    }

    private <T> T call(Call<T> call) throws SQLException {
        return connection.binding().run(false, s -> call.on(s.duck.getMetaData()));
    }

    private ResultSet query(Call<ResultSet> call) throws SQLException {
        return connection.binding().run(false, s -> {
            ResultSet rs = call.on(s.duck.getMetaData());
            if (rs == null) {
                return null;
            }
            ServingResultSet wrapped = new ServingResultSet(rs, this, s);
            results.add(wrapped);
            return wrapped;
        });
    }

    /** This driver's URL, not DuckDB's: tools that detect the database from it (jOOQ) see what the user gave. */
    @Override
    public String getURL() throws SQLException {
        connection.checkOpen();
        return ServingUrl.PREFIX + connection.getPath();
    }

    @Override
    public Connection getConnection() throws SQLException {
        connection.checkOpen();
        return connection;
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T> T unwrap(Class<T> iface) throws SQLException {
        if (iface.isInstance(this)) {
            return (T) this;
        }
        return call(md -> md.unwrap(iface));
    }

    @Override
    public boolean isWrapperFor(Class<?> iface) throws SQLException {
        return iface.isInstance(this) || call(md -> md.isWrapperFor(iface));
    }

    @Override
    public boolean allProceduresAreCallable() throws SQLException {
        return call(md -> md.allProceduresAreCallable());
    }

    @Override
    public boolean allTablesAreSelectable() throws SQLException {
        return call(md -> md.allTablesAreSelectable());
    }

    @Override
    public boolean autoCommitFailureClosesAllResultSets() throws SQLException {
        return call(md -> md.autoCommitFailureClosesAllResultSets());
    }

    @Override
    public boolean dataDefinitionCausesTransactionCommit() throws SQLException {
        return call(md -> md.dataDefinitionCausesTransactionCommit());
    }

    @Override
    public boolean dataDefinitionIgnoredInTransactions() throws SQLException {
        return call(md -> md.dataDefinitionIgnoredInTransactions());
    }

    @Override
    public boolean deletesAreDetected(int type) throws SQLException {
        return call(md -> md.deletesAreDetected(type));
    }

    @Override
    public boolean doesMaxRowSizeIncludeBlobs() throws SQLException {
        return call(md -> md.doesMaxRowSizeIncludeBlobs());
    }

    @Override
    public boolean generatedKeyAlwaysReturned() throws SQLException {
        return call(md -> md.generatedKeyAlwaysReturned());
    }

    @Override
    public ResultSet getAttributes(String catalog, String schemaPattern, String typeNamePattern, String attributeNamePattern) throws SQLException {
        return query(md -> md.getAttributes(catalog, schemaPattern, typeNamePattern, attributeNamePattern));
    }

    @Override
    public ResultSet getBestRowIdentifier(String catalog, String schema, String table, int scope, boolean nullable) throws SQLException {
        return query(md -> md.getBestRowIdentifier(catalog, schema, table, scope, nullable));
    }

    @Override
    public String getCatalogSeparator() throws SQLException {
        return call(md -> md.getCatalogSeparator());
    }

    @Override
    public String getCatalogTerm() throws SQLException {
        return call(md -> md.getCatalogTerm());
    }

    @Override
    public ResultSet getCatalogs() throws SQLException {
        return query(md -> md.getCatalogs());
    }

    @Override
    public ResultSet getClientInfoProperties() throws SQLException {
        return query(md -> md.getClientInfoProperties());
    }

    @Override
    public ResultSet getColumnPrivileges(String catalog, String schema, String table, String columnNamePattern) throws SQLException {
        return query(md -> md.getColumnPrivileges(catalog, schema, table, columnNamePattern));
    }

    @Override
    public ResultSet getColumns(String catalog, String schemaPattern, String tableNamePattern, String columnNamePattern) throws SQLException {
        return query(md -> md.getColumns(catalog, schemaPattern, tableNamePattern, columnNamePattern));
    }

    @Override
    public ResultSet getCrossReference(String parentCatalog, String parentSchema, String parentTable, String foreignCatalog, String foreignSchema, String foreignTable) throws SQLException {
        return query(md -> md.getCrossReference(parentCatalog, parentSchema, parentTable, foreignCatalog, foreignSchema, foreignTable));
    }

    @Override
    public int getDatabaseMajorVersion() throws SQLException {
        return call(md -> md.getDatabaseMajorVersion());
    }

    @Override
    public int getDatabaseMinorVersion() throws SQLException {
        return call(md -> md.getDatabaseMinorVersion());
    }

    @Override
    public String getDatabaseProductName() throws SQLException {
        return call(md -> md.getDatabaseProductName());
    }

    @Override
    public String getDatabaseProductVersion() throws SQLException {
        return call(md -> md.getDatabaseProductVersion());
    }

    @Override
    public int getDefaultTransactionIsolation() throws SQLException {
        connection.checkOpen();
        return Connection.TRANSACTION_SERIALIZABLE; // one immutable snapshot per transaction
    }

    @Override
    public int getDriverMajorVersion() {
        return ServingDriver.MAJOR_VERSION;
    }

    @Override
    public int getDriverMinorVersion() {
        return ServingDriver.MINOR_VERSION;
    }

    @Override
    public String getDriverName() throws SQLException {
        return "duckdb-serving JDBC driver";
    }

    @Override
    public String getDriverVersion() throws SQLException {
        return ServingDriver.MAJOR_VERSION + "." + ServingDriver.MINOR_VERSION;
    }

    @Override
    public ResultSet getExportedKeys(String catalog, String schema, String table) throws SQLException {
        return query(md -> md.getExportedKeys(catalog, schema, table));
    }

    @Override
    public String getExtraNameCharacters() throws SQLException {
        return call(md -> md.getExtraNameCharacters());
    }

    @Override
    public ResultSet getFunctionColumns(String catalog, String schemaPattern, String functionNamePattern, String columnNamePattern) throws SQLException {
        return query(md -> md.getFunctionColumns(catalog, schemaPattern, functionNamePattern, columnNamePattern));
    }

    @Override
    public ResultSet getFunctions(String catalog, String schemaPattern, String functionNamePattern) throws SQLException {
        return query(md -> md.getFunctions(catalog, schemaPattern, functionNamePattern));
    }

    @Override
    public String getIdentifierQuoteString() throws SQLException {
        return call(md -> md.getIdentifierQuoteString());
    }

    @Override
    public ResultSet getImportedKeys(String catalog, String schema, String table) throws SQLException {
        return query(md -> md.getImportedKeys(catalog, schema, table));
    }

    @Override
    public ResultSet getIndexInfo(String catalog, String schema, String table, boolean unique, boolean approximate) throws SQLException {
        return query(md -> md.getIndexInfo(catalog, schema, table, unique, approximate));
    }

    @Override
    public int getJDBCMajorVersion() throws SQLException {
        return call(md -> md.getJDBCMajorVersion());
    }

    @Override
    public int getJDBCMinorVersion() throws SQLException {
        return call(md -> md.getJDBCMinorVersion());
    }

    @Override
    public int getMaxBinaryLiteralLength() throws SQLException {
        return call(md -> md.getMaxBinaryLiteralLength());
    }

    @Override
    public int getMaxCatalogNameLength() throws SQLException {
        return call(md -> md.getMaxCatalogNameLength());
    }

    @Override
    public int getMaxCharLiteralLength() throws SQLException {
        return call(md -> md.getMaxCharLiteralLength());
    }

    @Override
    public int getMaxColumnNameLength() throws SQLException {
        return call(md -> md.getMaxColumnNameLength());
    }

    @Override
    public int getMaxColumnsInGroupBy() throws SQLException {
        return call(md -> md.getMaxColumnsInGroupBy());
    }

    @Override
    public int getMaxColumnsInIndex() throws SQLException {
        return call(md -> md.getMaxColumnsInIndex());
    }

    @Override
    public int getMaxColumnsInOrderBy() throws SQLException {
        return call(md -> md.getMaxColumnsInOrderBy());
    }

    @Override
    public int getMaxColumnsInSelect() throws SQLException {
        return call(md -> md.getMaxColumnsInSelect());
    }

    @Override
    public int getMaxColumnsInTable() throws SQLException {
        return call(md -> md.getMaxColumnsInTable());
    }

    @Override
    public int getMaxConnections() throws SQLException {
        return call(md -> md.getMaxConnections());
    }

    @Override
    public int getMaxCursorNameLength() throws SQLException {
        return call(md -> md.getMaxCursorNameLength());
    }

    @Override
    public int getMaxIndexLength() throws SQLException {
        return call(md -> md.getMaxIndexLength());
    }

    @Override
    public long getMaxLogicalLobSize() throws SQLException {
        return call(md -> md.getMaxLogicalLobSize());
    }

    @Override
    public int getMaxProcedureNameLength() throws SQLException {
        return call(md -> md.getMaxProcedureNameLength());
    }

    @Override
    public int getMaxRowSize() throws SQLException {
        return call(md -> md.getMaxRowSize());
    }

    @Override
    public int getMaxSchemaNameLength() throws SQLException {
        return call(md -> md.getMaxSchemaNameLength());
    }

    @Override
    public int getMaxStatementLength() throws SQLException {
        return call(md -> md.getMaxStatementLength());
    }

    @Override
    public int getMaxStatements() throws SQLException {
        return call(md -> md.getMaxStatements());
    }

    @Override
    public int getMaxTableNameLength() throws SQLException {
        return call(md -> md.getMaxTableNameLength());
    }

    @Override
    public int getMaxTablesInSelect() throws SQLException {
        return call(md -> md.getMaxTablesInSelect());
    }

    @Override
    public int getMaxUserNameLength() throws SQLException {
        return call(md -> md.getMaxUserNameLength());
    }

    @Override
    public String getNumericFunctions() throws SQLException {
        return call(md -> md.getNumericFunctions());
    }

    @Override
    public ResultSet getPrimaryKeys(String catalog, String schema, String table) throws SQLException {
        return query(md -> md.getPrimaryKeys(catalog, schema, table));
    }

    @Override
    public ResultSet getProcedureColumns(String catalog, String schemaPattern, String procedureNamePattern, String columnNamePattern) throws SQLException {
        return query(md -> md.getProcedureColumns(catalog, schemaPattern, procedureNamePattern, columnNamePattern));
    }

    @Override
    public String getProcedureTerm() throws SQLException {
        return call(md -> md.getProcedureTerm());
    }

    @Override
    public ResultSet getProcedures(String catalog, String schemaPattern, String procedureNamePattern) throws SQLException {
        return query(md -> md.getProcedures(catalog, schemaPattern, procedureNamePattern));
    }

    @Override
    public ResultSet getPseudoColumns(String catalog, String schemaPattern, String tableNamePattern, String columnNamePattern) throws SQLException {
        return query(md -> md.getPseudoColumns(catalog, schemaPattern, tableNamePattern, columnNamePattern));
    }

    @Override
    public int getResultSetHoldability() throws SQLException {
        connection.checkOpen();
        return ServingConnection.HOLDABILITY;
    }

    @Override
    public RowIdLifetime getRowIdLifetime() throws SQLException {
        return call(md -> md.getRowIdLifetime());
    }

    @Override
    public String getSQLKeywords() throws SQLException {
        return call(md -> md.getSQLKeywords());
    }

    @Override
    public int getSQLStateType() throws SQLException {
        return call(md -> md.getSQLStateType());
    }

    @Override
    public String getSchemaTerm() throws SQLException {
        return call(md -> md.getSchemaTerm());
    }

    @Override
    public ResultSet getSchemas() throws SQLException {
        return query(md -> md.getSchemas());
    }

    @Override
    public ResultSet getSchemas(String catalog, String schemaPattern) throws SQLException {
        return query(md -> md.getSchemas(catalog, schemaPattern));
    }

    @Override
    public String getSearchStringEscape() throws SQLException {
        return call(md -> md.getSearchStringEscape());
    }

    @Override
    public String getStringFunctions() throws SQLException {
        return call(md -> md.getStringFunctions());
    }

    @Override
    public ResultSet getSuperTables(String catalog, String schemaPattern, String tableNamePattern) throws SQLException {
        return query(md -> md.getSuperTables(catalog, schemaPattern, tableNamePattern));
    }

    @Override
    public ResultSet getSuperTypes(String catalog, String schemaPattern, String typeNamePattern) throws SQLException {
        return query(md -> md.getSuperTypes(catalog, schemaPattern, typeNamePattern));
    }

    @Override
    public String getSystemFunctions() throws SQLException {
        return call(md -> md.getSystemFunctions());
    }

    @Override
    public ResultSet getTablePrivileges(String catalog, String schemaPattern, String tableNamePattern) throws SQLException {
        return query(md -> md.getTablePrivileges(catalog, schemaPattern, tableNamePattern));
    }

    @Override
    public ResultSet getTableTypes() throws SQLException {
        return query(md -> md.getTableTypes());
    }

    @Override
    public ResultSet getTables(String catalog, String schemaPattern, String tableNamePattern, String[] types) throws SQLException {
        return query(md -> md.getTables(catalog, schemaPattern, tableNamePattern, types));
    }

    @Override
    public String getTimeDateFunctions() throws SQLException {
        return call(md -> md.getTimeDateFunctions());
    }

    @Override
    public ResultSet getTypeInfo() throws SQLException {
        return query(md -> md.getTypeInfo());
    }

    @Override
    public ResultSet getUDTs(String catalog, String schemaPattern, String typeNamePattern, int[] types) throws SQLException {
        return query(md -> md.getUDTs(catalog, schemaPattern, typeNamePattern, types));
    }

    @Override
    public String getUserName() throws SQLException {
        return call(md -> md.getUserName());
    }

    @Override
    public ResultSet getVersionColumns(String catalog, String schema, String table) throws SQLException {
        return query(md -> md.getVersionColumns(catalog, schema, table));
    }

    @Override
    public boolean insertsAreDetected(int type) throws SQLException {
        return call(md -> md.insertsAreDetected(type));
    }

    @Override
    public boolean isCatalogAtStart() throws SQLException {
        return call(md -> md.isCatalogAtStart());
    }

    @Override
    public boolean isReadOnly() throws SQLException {
        return call(md -> md.isReadOnly());
    }

    @Override
    public boolean locatorsUpdateCopy() throws SQLException {
        return call(md -> md.locatorsUpdateCopy());
    }

    @Override
    public boolean nullPlusNonNullIsNull() throws SQLException {
        return call(md -> md.nullPlusNonNullIsNull());
    }

    @Override
    public boolean nullsAreSortedAtEnd() throws SQLException {
        return call(md -> md.nullsAreSortedAtEnd());
    }

    @Override
    public boolean nullsAreSortedAtStart() throws SQLException {
        return call(md -> md.nullsAreSortedAtStart());
    }

    @Override
    public boolean nullsAreSortedHigh() throws SQLException {
        return call(md -> md.nullsAreSortedHigh());
    }

    @Override
    public boolean nullsAreSortedLow() throws SQLException {
        return call(md -> md.nullsAreSortedLow());
    }

    @Override
    public boolean othersDeletesAreVisible(int type) throws SQLException {
        return call(md -> md.othersDeletesAreVisible(type));
    }

    @Override
    public boolean othersInsertsAreVisible(int type) throws SQLException {
        return call(md -> md.othersInsertsAreVisible(type));
    }

    @Override
    public boolean othersUpdatesAreVisible(int type) throws SQLException {
        return call(md -> md.othersUpdatesAreVisible(type));
    }

    @Override
    public boolean ownDeletesAreVisible(int type) throws SQLException {
        return call(md -> md.ownDeletesAreVisible(type));
    }

    @Override
    public boolean ownInsertsAreVisible(int type) throws SQLException {
        return call(md -> md.ownInsertsAreVisible(type));
    }

    @Override
    public boolean ownUpdatesAreVisible(int type) throws SQLException {
        return call(md -> md.ownUpdatesAreVisible(type));
    }

    @Override
    public boolean storesLowerCaseIdentifiers() throws SQLException {
        return call(md -> md.storesLowerCaseIdentifiers());
    }

    @Override
    public boolean storesLowerCaseQuotedIdentifiers() throws SQLException {
        return call(md -> md.storesLowerCaseQuotedIdentifiers());
    }

    @Override
    public boolean storesMixedCaseIdentifiers() throws SQLException {
        return call(md -> md.storesMixedCaseIdentifiers());
    }

    @Override
    public boolean storesMixedCaseQuotedIdentifiers() throws SQLException {
        return call(md -> md.storesMixedCaseQuotedIdentifiers());
    }

    @Override
    public boolean storesUpperCaseIdentifiers() throws SQLException {
        return call(md -> md.storesUpperCaseIdentifiers());
    }

    @Override
    public boolean storesUpperCaseQuotedIdentifiers() throws SQLException {
        return call(md -> md.storesUpperCaseQuotedIdentifiers());
    }

    @Override
    public boolean supportsANSI92EntryLevelSQL() throws SQLException {
        return call(md -> md.supportsANSI92EntryLevelSQL());
    }

    @Override
    public boolean supportsANSI92FullSQL() throws SQLException {
        return call(md -> md.supportsANSI92FullSQL());
    }

    @Override
    public boolean supportsANSI92IntermediateSQL() throws SQLException {
        return call(md -> md.supportsANSI92IntermediateSQL());
    }

    @Override
    public boolean supportsAlterTableWithAddColumn() throws SQLException {
        return call(md -> md.supportsAlterTableWithAddColumn());
    }

    @Override
    public boolean supportsAlterTableWithDropColumn() throws SQLException {
        return call(md -> md.supportsAlterTableWithDropColumn());
    }

    @Override
    public boolean supportsBatchUpdates() throws SQLException {
        return call(md -> md.supportsBatchUpdates());
    }

    @Override
    public boolean supportsCatalogsInDataManipulation() throws SQLException {
        return call(md -> md.supportsCatalogsInDataManipulation());
    }

    @Override
    public boolean supportsCatalogsInIndexDefinitions() throws SQLException {
        return call(md -> md.supportsCatalogsInIndexDefinitions());
    }

    @Override
    public boolean supportsCatalogsInPrivilegeDefinitions() throws SQLException {
        return call(md -> md.supportsCatalogsInPrivilegeDefinitions());
    }

    @Override
    public boolean supportsCatalogsInProcedureCalls() throws SQLException {
        return call(md -> md.supportsCatalogsInProcedureCalls());
    }

    @Override
    public boolean supportsCatalogsInTableDefinitions() throws SQLException {
        return call(md -> md.supportsCatalogsInTableDefinitions());
    }

    @Override
    public boolean supportsColumnAliasing() throws SQLException {
        return call(md -> md.supportsColumnAliasing());
    }

    @Override
    public boolean supportsConvert() throws SQLException {
        return call(md -> md.supportsConvert());
    }

    @Override
    public boolean supportsConvert(int fromType, int toType) throws SQLException {
        return call(md -> md.supportsConvert(fromType, toType));
    }

    @Override
    public boolean supportsCoreSQLGrammar() throws SQLException {
        return call(md -> md.supportsCoreSQLGrammar());
    }

    @Override
    public boolean supportsCorrelatedSubqueries() throws SQLException {
        return call(md -> md.supportsCorrelatedSubqueries());
    }

    @Override
    public boolean supportsDataDefinitionAndDataManipulationTransactions() throws SQLException {
        return call(md -> md.supportsDataDefinitionAndDataManipulationTransactions());
    }

    @Override
    public boolean supportsDataManipulationTransactionsOnly() throws SQLException {
        return call(md -> md.supportsDataManipulationTransactionsOnly());
    }

    @Override
    public boolean supportsDifferentTableCorrelationNames() throws SQLException {
        return call(md -> md.supportsDifferentTableCorrelationNames());
    }

    @Override
    public boolean supportsExpressionsInOrderBy() throws SQLException {
        return call(md -> md.supportsExpressionsInOrderBy());
    }

    @Override
    public boolean supportsExtendedSQLGrammar() throws SQLException {
        return call(md -> md.supportsExtendedSQLGrammar());
    }

    @Override
    public boolean supportsFullOuterJoins() throws SQLException {
        return call(md -> md.supportsFullOuterJoins());
    }

    @Override
    public boolean supportsGetGeneratedKeys() throws SQLException {
        return call(md -> md.supportsGetGeneratedKeys());
    }

    @Override
    public boolean supportsGroupBy() throws SQLException {
        return call(md -> md.supportsGroupBy());
    }

    @Override
    public boolean supportsGroupByBeyondSelect() throws SQLException {
        return call(md -> md.supportsGroupByBeyondSelect());
    }

    @Override
    public boolean supportsGroupByUnrelated() throws SQLException {
        return call(md -> md.supportsGroupByUnrelated());
    }

    @Override
    public boolean supportsIntegrityEnhancementFacility() throws SQLException {
        return call(md -> md.supportsIntegrityEnhancementFacility());
    }

    @Override
    public boolean supportsLikeEscapeClause() throws SQLException {
        return call(md -> md.supportsLikeEscapeClause());
    }

    @Override
    public boolean supportsLimitedOuterJoins() throws SQLException {
        return call(md -> md.supportsLimitedOuterJoins());
    }

    @Override
    public boolean supportsMinimumSQLGrammar() throws SQLException {
        return call(md -> md.supportsMinimumSQLGrammar());
    }

    @Override
    public boolean supportsMixedCaseIdentifiers() throws SQLException {
        return call(md -> md.supportsMixedCaseIdentifiers());
    }

    @Override
    public boolean supportsMixedCaseQuotedIdentifiers() throws SQLException {
        return call(md -> md.supportsMixedCaseQuotedIdentifiers());
    }

    @Override
    public boolean supportsMultipleOpenResults() throws SQLException {
        return call(md -> md.supportsMultipleOpenResults());
    }

    @Override
    public boolean supportsMultipleResultSets() throws SQLException {
        return call(md -> md.supportsMultipleResultSets());
    }

    @Override
    public boolean supportsMultipleTransactions() throws SQLException {
        return call(md -> md.supportsMultipleTransactions());
    }

    @Override
    public boolean supportsNamedParameters() throws SQLException {
        return call(md -> md.supportsNamedParameters());
    }

    @Override
    public boolean supportsNonNullableColumns() throws SQLException {
        return call(md -> md.supportsNonNullableColumns());
    }

    @Override
    public boolean supportsOpenCursorsAcrossCommit() throws SQLException {
        return call(md -> md.supportsOpenCursorsAcrossCommit());
    }

    @Override
    public boolean supportsOpenCursorsAcrossRollback() throws SQLException {
        return call(md -> md.supportsOpenCursorsAcrossRollback());
    }

    @Override
    public boolean supportsOpenStatementsAcrossCommit() throws SQLException {
        return call(md -> md.supportsOpenStatementsAcrossCommit());
    }

    @Override
    public boolean supportsOpenStatementsAcrossRollback() throws SQLException {
        return call(md -> md.supportsOpenStatementsAcrossRollback());
    }

    @Override
    public boolean supportsOrderByUnrelated() throws SQLException {
        return call(md -> md.supportsOrderByUnrelated());
    }

    @Override
    public boolean supportsOuterJoins() throws SQLException {
        return call(md -> md.supportsOuterJoins());
    }

    @Override
    public boolean supportsPositionedDelete() throws SQLException {
        return call(md -> md.supportsPositionedDelete());
    }

    @Override
    public boolean supportsPositionedUpdate() throws SQLException {
        return call(md -> md.supportsPositionedUpdate());
    }

    @Override
    public boolean supportsRefCursors() throws SQLException {
        return call(md -> md.supportsRefCursors());
    }

    @Override
    public boolean supportsResultSetConcurrency(int type, int concurrency) throws SQLException {
        return call(md -> md.supportsResultSetConcurrency(type, concurrency));
    }

    @Override
    public boolean supportsResultSetHoldability(int holdability) throws SQLException {
        connection.checkOpen();
        return holdability == ServingConnection.HOLDABILITY;
    }

    @Override
    public boolean supportsResultSetType(int type) throws SQLException {
        return call(md -> md.supportsResultSetType(type));
    }

    @Override
    public boolean supportsSavepoints() throws SQLException {
        return call(md -> md.supportsSavepoints());
    }

    @Override
    public boolean supportsSchemasInDataManipulation() throws SQLException {
        return call(md -> md.supportsSchemasInDataManipulation());
    }

    @Override
    public boolean supportsSchemasInIndexDefinitions() throws SQLException {
        return call(md -> md.supportsSchemasInIndexDefinitions());
    }

    @Override
    public boolean supportsSchemasInPrivilegeDefinitions() throws SQLException {
        return call(md -> md.supportsSchemasInPrivilegeDefinitions());
    }

    @Override
    public boolean supportsSchemasInProcedureCalls() throws SQLException {
        return call(md -> md.supportsSchemasInProcedureCalls());
    }

    @Override
    public boolean supportsSchemasInTableDefinitions() throws SQLException {
        return call(md -> md.supportsSchemasInTableDefinitions());
    }

    @Override
    public boolean supportsSelectForUpdate() throws SQLException {
        return call(md -> md.supportsSelectForUpdate());
    }

    @Override
    public boolean supportsSharding() throws SQLException {
        return call(md -> md.supportsSharding());
    }

    @Override
    public boolean supportsStatementPooling() throws SQLException {
        return call(md -> md.supportsStatementPooling());
    }

    @Override
    public boolean supportsStoredFunctionsUsingCallSyntax() throws SQLException {
        return call(md -> md.supportsStoredFunctionsUsingCallSyntax());
    }

    @Override
    public boolean supportsStoredProcedures() throws SQLException {
        return call(md -> md.supportsStoredProcedures());
    }

    @Override
    public boolean supportsSubqueriesInComparisons() throws SQLException {
        return call(md -> md.supportsSubqueriesInComparisons());
    }

    @Override
    public boolean supportsSubqueriesInExists() throws SQLException {
        return call(md -> md.supportsSubqueriesInExists());
    }

    @Override
    public boolean supportsSubqueriesInIns() throws SQLException {
        return call(md -> md.supportsSubqueriesInIns());
    }

    @Override
    public boolean supportsSubqueriesInQuantifieds() throws SQLException {
        return call(md -> md.supportsSubqueriesInQuantifieds());
    }

    @Override
    public boolean supportsTableCorrelationNames() throws SQLException {
        return call(md -> md.supportsTableCorrelationNames());
    }

    @Override
    public boolean supportsTransactionIsolationLevel(int level) throws SQLException {
        connection.checkOpen();
        return ServingConnection.supportsIsolation(level);
    }

    @Override
    public boolean supportsTransactions() throws SQLException {
        return call(md -> md.supportsTransactions());
    }

    @Override
    public boolean supportsUnion() throws SQLException {
        return call(md -> md.supportsUnion());
    }

    @Override
    public boolean supportsUnionAll() throws SQLException {
        return call(md -> md.supportsUnionAll());
    }

    @Override
    public boolean updatesAreDetected(int type) throws SQLException {
        return call(md -> md.updatesAreDetected(type));
    }

    @Override
    public boolean usesLocalFilePerTable() throws SQLException {
        return call(md -> md.usesLocalFilePerTable());
    }

    @Override
    public boolean usesLocalFiles() throws SQLException {
        return call(md -> md.usesLocalFiles());
    }
}
