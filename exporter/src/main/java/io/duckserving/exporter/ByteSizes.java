package io.duckserving.exporter;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;

/** Byte sizes as the CLI takes them ({@code --s3-part-size}): bytes, or a whole number with B, KB..GB, KiB..GiB. */
final class ByteSizes {

    private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*(B|KB|MB|GB|KIB|MIB|GIB)?", Pattern.CASE_INSENSITIVE);

    private ByteSizes() {
    }

    static long parse(String text) {
        Matcher m = SIZE.matcher(text == null ? "" : text.strip());
        if (!m.matches()) {
            throw new IllegalArgumentException("'" + text + "' is not a size; give bytes or a whole number with a unit: "
                    + "16MiB, 64MB, 1GiB (KB/MB/GB are powers of 1000, KiB/MiB/GiB of 1024)");
        }
        long unit = switch (m.group(2) == null ? "B" : m.group(2).toUpperCase(Locale.ROOT)) {
            case "KB" -> 1000L;
            case "MB" -> 1000L * 1000;
            case "GB" -> 1000L * 1000 * 1000;
            case "KIB" -> 1024L;
            case "MIB" -> 1024L * 1024;
            case "GIB" -> 1024L * 1024 * 1024;
            default -> 1L;
        };
        try {
            return Math.multiplyExact(Long.parseLong(m.group(1)), unit);
        } catch (ArithmeticException | NumberFormatException e) {
            throw new IllegalArgumentException("'" + text + "' is too large a size", e);
        }
    }

    /** picocli's converter: its error names the option and quotes the value. */
    static final class Converter implements CommandLine.ITypeConverter<Long> {
        @Override
        public Long convert(String value) {
            try {
                return parse(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }
}
