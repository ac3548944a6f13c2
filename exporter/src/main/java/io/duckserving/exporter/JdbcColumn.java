package io.duckserving.exporter;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Types;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.BitVector;
import org.apache.arrow.vector.DateDayVector;
import org.apache.arrow.vector.DecimalVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.Float4Vector;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.SmallIntVector;
import org.apache.arrow.vector.TimeMicroVector;
import org.apache.arrow.vector.TimeStampMicroTZVector;
import org.apache.arrow.vector.TimeStampMicroVector;
import org.apache.arrow.vector.TinyIntVector;
import org.apache.arrow.vector.VarBinaryVector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.types.DateUnit;
import org.apache.arrow.vector.types.FloatingPointPrecision;
import org.apache.arrow.vector.types.TimeUnit;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;

/**
 * One column of a generic JDBC result: its JDBC type decides the DuckDB column type of the
 * snapshot, the Arrow type it travels as, and how a value is read and written. Types without an
 * exact counterpart travel as text (VARCHAR), which is never lossy.
 */
record JdbcColumn(String name, Kind kind, int precision, int scale) {

    enum Kind { BOOL, INT8, INT16, INT32, INT64, FLOAT32, FLOAT64, DECIMAL, DATE, TIME, TIMESTAMP, TIMESTAMPTZ,
        BINARY, STRING }

    private static final int MAX_DECIMAL_PRECISION = 38;

    static JdbcColumn of(ResultSetMetaData md, int column) throws SQLException {
        String name = md.getColumnLabel(column);
        int precision = md.getPrecision(column);
        int scale = md.getScale(column);
        Kind kind = switch (md.getColumnType(column)) {
            case Types.BIT, Types.BOOLEAN -> Kind.BOOL;
            case Types.TINYINT -> Kind.INT8;
            case Types.SMALLINT -> Kind.INT16;
            case Types.INTEGER -> Kind.INT32;
            case Types.BIGINT -> Kind.INT64;
            case Types.REAL -> Kind.FLOAT32;
            case Types.FLOAT, Types.DOUBLE -> Kind.FLOAT64;
            case Types.DECIMAL, Types.NUMERIC -> precision >= 1 && precision <= MAX_DECIMAL_PRECISION
                    && scale >= 0 && scale <= precision ? Kind.DECIMAL : Kind.STRING;
            case Types.DATE -> Kind.DATE;
            case Types.TIME -> Kind.TIME;
            case Types.TIMESTAMP -> Kind.TIMESTAMP;
            case Types.TIMESTAMP_WITH_TIMEZONE -> Kind.TIMESTAMPTZ;
            case Types.BINARY, Types.VARBINARY, Types.LONGVARBINARY, Types.BLOB -> Kind.BINARY;
            default -> Kind.STRING;
        };
        return new JdbcColumn(name, kind, precision, scale);
    }

    String duckDbType() {
        return switch (kind) {
            case BOOL -> "BOOLEAN";
            case INT8 -> "TINYINT";
            case INT16 -> "SMALLINT";
            case INT32 -> "INTEGER";
            case INT64 -> "BIGINT";
            case FLOAT32 -> "FLOAT";
            case FLOAT64 -> "DOUBLE";
            case DECIMAL -> "DECIMAL(" + precision + "," + scale + ")";
            case DATE -> "DATE";
            case TIME -> "TIME";
            case TIMESTAMP -> "TIMESTAMP";
            case TIMESTAMPTZ -> "TIMESTAMPTZ";
            case BINARY -> "BLOB";
            case STRING -> "VARCHAR";
        };
    }

    Field arrowField() {
        ArrowType type = switch (kind) {
            case BOOL -> ArrowType.Bool.INSTANCE;
            case INT8 -> new ArrowType.Int(8, true);
            case INT16 -> new ArrowType.Int(16, true);
            case INT32 -> new ArrowType.Int(32, true);
            case INT64 -> new ArrowType.Int(64, true);
            case FLOAT32 -> new ArrowType.FloatingPoint(FloatingPointPrecision.SINGLE);
            case FLOAT64 -> new ArrowType.FloatingPoint(FloatingPointPrecision.DOUBLE);
            case DECIMAL -> new ArrowType.Decimal(precision, scale, 128);
            case DATE -> new ArrowType.Date(DateUnit.DAY);
            case TIME -> new ArrowType.Time(TimeUnit.MICROSECOND, 64);
            case TIMESTAMP -> new ArrowType.Timestamp(TimeUnit.MICROSECOND, null);
            case TIMESTAMPTZ -> new ArrowType.Timestamp(TimeUnit.MICROSECOND, "UTC");
            case BINARY -> ArrowType.Binary.INSTANCE;
            case STRING -> ArrowType.Utf8.INSTANCE;
        };
        return new Field(name, FieldType.nullable(type), null);
    }

    /** Copies the current row's value of result column {@code column} into {@code vector} at {@code row}. */
    void copy(ResultSet rs, int column, FieldVector vector, int row) throws SQLException {
        switch (kind) {
            case BOOL -> {
                boolean v = rs.getBoolean(column);
                if (rs.wasNull()) {
                    ((BitVector) vector).setNull(row);
                } else {
                    ((BitVector) vector).setSafe(row, v ? 1 : 0);
                }
            }
            case INT8 -> {
                byte v = rs.getByte(column);
                if (rs.wasNull()) {
                    ((TinyIntVector) vector).setNull(row);
                } else {
                    ((TinyIntVector) vector).setSafe(row, v);
                }
            }
            case INT16 -> {
                short v = rs.getShort(column);
                if (rs.wasNull()) {
                    ((SmallIntVector) vector).setNull(row);
                } else {
                    ((SmallIntVector) vector).setSafe(row, v);
                }
            }
            case INT32 -> {
                int v = rs.getInt(column);
                if (rs.wasNull()) {
                    ((IntVector) vector).setNull(row);
                } else {
                    ((IntVector) vector).setSafe(row, v);
                }
            }
            case INT64 -> {
                long v = rs.getLong(column);
                if (rs.wasNull()) {
                    ((BigIntVector) vector).setNull(row);
                } else {
                    ((BigIntVector) vector).setSafe(row, v);
                }
            }
            case FLOAT32 -> {
                float v = rs.getFloat(column);
                if (rs.wasNull()) {
                    ((Float4Vector) vector).setNull(row);
                } else {
                    ((Float4Vector) vector).setSafe(row, v);
                }
            }
            case FLOAT64 -> {
                double v = rs.getDouble(column);
                if (rs.wasNull()) {
                    ((Float8Vector) vector).setNull(row);
                } else {
                    ((Float8Vector) vector).setSafe(row, v);
                }
            }
            case DECIMAL -> {
                BigDecimal v = rs.getBigDecimal(column);
                if (v == null) {
                    ((DecimalVector) vector).setNull(row);
                } else {
                    ((DecimalVector) vector).setSafe(row, v.setScale(scale, RoundingMode.UNNECESSARY));
                }
            }
            case DATE -> {
                LocalDate v = rs.getObject(column, LocalDate.class);
                if (v == null) {
                    ((DateDayVector) vector).setNull(row);
                } else {
                    ((DateDayVector) vector).setSafe(row, (int) v.toEpochDay());
                }
            }
            case TIME -> {
                LocalTime v = rs.getObject(column, LocalTime.class);
                if (v == null) {
                    ((TimeMicroVector) vector).setNull(row);
                } else {
                    ((TimeMicroVector) vector).setSafe(row, v.toNanoOfDay() / 1_000);
                }
            }
            case TIMESTAMP -> {
                LocalDateTime v = rs.getObject(column, LocalDateTime.class);
                if (v == null) {
                    ((TimeStampMicroVector) vector).setNull(row);
                } else {
                    ((TimeStampMicroVector) vector).setSafe(row, micros(v.toEpochSecond(ZoneOffset.UTC), v.getNano()));
                }
            }
            case TIMESTAMPTZ -> {
                OffsetDateTime v = rs.getObject(column, OffsetDateTime.class);
                if (v == null) {
                    ((TimeStampMicroTZVector) vector).setNull(row);
                } else {
                    ((TimeStampMicroTZVector) vector).setSafe(row, micros(v.toEpochSecond(), v.getNano()));
                }
            }
            case BINARY -> {
                byte[] v = rs.getBytes(column);
                if (v == null) {
                    ((VarBinaryVector) vector).setNull(row);
                } else {
                    ((VarBinaryVector) vector).setSafe(row, v);
                }
            }
            case STRING -> {
                String v = rs.getString(column);
                if (v == null) {
                    ((VarCharVector) vector).setNull(row);
                } else {
                    ((VarCharVector) vector).setSafe(row, v.getBytes(StandardCharsets.UTF_8));
                }
            }
        }
    }

    private static long micros(long epochSecond, int nano) {
        return Math.addExact(Math.multiplyExact(epochSecond, 1_000_000L), nano / 1_000);
    }
}
