package io.duckserving.exporter;

import java.io.IOException;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;

/** A JDBC result set as an Arrow stream: up to {@code batchRows} rows per batch, read as DuckDB asks. */
final class JdbcArrowReader extends ArrowReader {

    private final ResultSet rs;
    private final int batchRows;
    private final List<JdbcColumn> columns = new ArrayList<>();
    private final Schema schema;

    JdbcArrowReader(BufferAllocator allocator, ResultSet rs, int batchRows) throws SQLException {
        super(allocator);
        this.rs = rs;
        this.batchRows = batchRows;
        ResultSetMetaData md = rs.getMetaData();
        List<Field> fields = new ArrayList<>();
        for (int i = 1; i <= md.getColumnCount(); i++) {
            JdbcColumn column = JdbcColumn.of(md, i);
            columns.add(column);
            fields.add(column.arrowField());
        }
        this.schema = new Schema(fields);
    }

    @Override
    public boolean loadNextBatch() throws IOException {
        prepareLoadNextBatch();
        VectorSchemaRoot root = getVectorSchemaRoot();
        root.allocateNew();
        List<FieldVector> vectors = root.getFieldVectors();
        int rows = 0;
        try {
            while (rows < batchRows && rs.next()) {
                for (int c = 0; c < columns.size(); c++) {
                    columns.get(c).copy(rs, c + 1, vectors.get(c), rows);
                }
                rows++;
            }
        } catch (SQLException | ArithmeticException e) {
            throw new IOException("reading row " + rows + " of the batch from the source failed: " + e.getMessage(), e);
        }
        for (FieldVector vector : vectors) {
            vector.setValueCount(rows);
        }
        root.setRowCount(rows);
        return rows > 0;
    }

    @Override
    public long bytesRead() {
        return 0;
    }

    @Override
    protected void closeReadSource() throws IOException {
        try {
            rs.close();
        } catch (SQLException e) {
            throw new IOException("cannot close the source result: " + e.getMessage(), e);
        }
    }

    @Override
    protected Schema readSchema() {
        return schema;
    }
}
