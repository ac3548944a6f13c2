package io.duckserving.jdbc;

import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;

/** Reads a parameter stream into memory, so the parameter can be set again on a new snapshot. */
final class Streams {
    private Streams() {
    }

    static byte[] bytes(InputStream in, long length) throws SQLException {
        try {
            return length < 0 ? in.readAllBytes() : in.readNBytes(Math.toIntExact(length));
        } catch (IOException | ArithmeticException e) {
            throw new SQLException("Cannot read the stream parameter: " + e.getMessage(), "22000", e);
        }
    }

    static String ascii(InputStream in, long length) throws SQLException {
        return new String(bytes(in, length), StandardCharsets.US_ASCII);
    }

    static String text(Reader in, long length) throws SQLException {
        try {
            StringWriter out = new StringWriter();
            if (length < 0) {
                in.transferTo(out);
            } else {
                char[] buffer = new char[8192];
                long left = length;
                for (int n; left > 0 && (n = in.read(buffer, 0, (int) Math.min(buffer.length, left))) > 0; left -= n) {
                    out.write(buffer, 0, n);
                }
            }
            return out.toString();
        } catch (IOException e) {
            throw new SQLException("Cannot read the stream parameter: " + e.getMessage(), "22000", e);
        }
    }
}
