package io.duckserving.exporter;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;

/**
 * Durations as the CLI takes them ({@code --handoff}, {@code --keep-for}): {@code 0}, a
 * whole number with a unit, {@code 500ms}, {@code 2s}, {@code 1m}, {@code 1h}, or ISO-8601,
 * {@code PT2S}, {@code PT0.5S}. A bare number other than 0 is refused: "5" could mean seconds
 * or minutes, and a wrong guess is silent. A sign is read ({@code -1s} is negative), so that the
 * option's own bound check can say what is wrong with it.
 */
final class Durations {

    private static final Pattern NUMBER_AND_UNIT = Pattern.compile("([+-]?\\d+)\\s*(ms|s|m|h)",
            Pattern.CASE_INSENSITIVE);

    private Durations() {
    }

    /** The duration, or IllegalArgumentException that quotes the text and gives the accepted forms. */
    static Duration parse(String text) {
        String value = text == null ? "" : text.strip();
        if (value.equals("0")) {
            return Duration.ZERO;
        }
        Matcher m = NUMBER_AND_UNIT.matcher(value);
        try {
            if (m.matches()) {
                long amount = Long.parseLong(m.group(1));
                switch (m.group(2).toLowerCase(Locale.ROOT)) {
                    case "ms":
                        return Duration.ofMillis(amount);
                    case "s":
                        return Duration.ofSeconds(amount);
                    case "m":
                        return Duration.ofMinutes(amount);
                    default:
                        return Duration.ofHours(amount);
                }
            }
            if (value.matches("(?i)[+-]?PT.*")) {
                return Duration.parse(value);
            }
        } catch (ArithmeticException | NumberFormatException | DateTimeParseException e) {
            throw new IllegalArgumentException("'" + text + "' is not a duration this program can hold ("
                    + e.getMessage() + "); " + FORMS, e);
        }
        throw new IllegalArgumentException("'" + text + "' is not a duration; " + FORMS);
    }

    private static final String FORMS = "give 0 or a whole number with a unit, e.g. 500ms, 2s, 1m, 1h, "
            + "or ISO-8601 such as PT2S or PT0.5S";

    /**
     * The shortest of the forms {@link #parse} reads back: {@code 0}, {@code 1s}, {@code 500ms},
     * {@code 10m}, {@code -1s}; ISO-8601 below a millisecond.
     */
    static String format(Duration duration) {
        if (duration.isZero()) {
            return "0";
        }
        if (duration.isNegative()) {
            return "-" + format(duration.negated());
        }
        if (duration.getNano() % 1_000_000 != 0) {
            return duration.toString();
        }
        long millis = duration.toMillis();
        if (millis % 3_600_000 == 0) {
            return millis / 3_600_000 + "h";
        }
        if (millis % 60_000 == 0) {
            return millis / 60_000 + "m";
        }
        if (millis % 1_000 == 0) {
            return millis / 1_000 + "s";
        }
        return millis + "ms";
    }

    /** picocli's converter for duration options: its error names the option and quotes the value. */
    static final class Converter implements CommandLine.ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            try {
                return parse(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }
}
