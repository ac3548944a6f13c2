package io.duckserving.exporter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The one parser of the CLI's duration options (--handoff, --keep-for). */
class DurationsTest {

    @Test
    void readsZeroNumbersWithAUnitAndIso8601() {
        Map<String, Duration> forms = Map.ofEntries(
                Map.entry("0", Duration.ZERO),
                Map.entry("500ms", Duration.ofMillis(500)),
                Map.entry("2s", Duration.ofSeconds(2)),
                Map.entry("1m", Duration.ofMinutes(1)),
                Map.entry("1h", Duration.ofHours(1)),
                Map.entry("0s", Duration.ZERO),
                Map.entry(" 2S ", Duration.ofSeconds(2)),
                Map.entry("10 ms", Duration.ofMillis(10)),
                Map.entry("PT2S", Duration.ofSeconds(2)),
                Map.entry("pt0.5s", Duration.ofMillis(500)),
                Map.entry("PT1M30S", Duration.ofSeconds(90)),
                Map.entry("-1s", Duration.ofSeconds(-1)),
                Map.entry("-PT1S", Duration.ofSeconds(-1)));
        forms.forEach((text, expected) -> assertEquals(expected, Durations.parse(text), text));
    }

    @Test
    void refusesJunkQuotingItAndNamingTheForms() {
        for (String junk : List.of("", "soon", "5", "1.5s", "2x", "s", "1d", "P1D", "PTS", "2 seconds",
                "99999999999999999999s", "9223372036854775807h")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Durations.parse(junk),
                    junk);
            assertTrue(e.getMessage().contains("'" + junk + "'") && e.getMessage().contains("500ms")
                    && e.getMessage().contains("PT2S"), e.getMessage());
        }
    }

    @Test
    void formatsInTheShortestFormItReadsBack() {
        for (Duration d : List.of(Duration.ZERO, Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofSeconds(90),
                Duration.ofMinutes(10), Duration.ofHours(2), Duration.ofSeconds(-1), Duration.ofNanos(1500))) {
            assertEquals(d, Durations.parse(Durations.format(d)), Durations.format(d));
        }
        assertEquals("1s", Durations.format(Duration.ofSeconds(1)));
        assertEquals("90s", Durations.format(Duration.ofSeconds(90)));
        assertEquals("10m", Durations.format(Duration.ofMinutes(10)));
        assertEquals("500ms", Durations.format(Duration.ofMillis(500)));
        assertEquals("0", Durations.format(Duration.ZERO));
        assertEquals("-1s", Durations.format(Duration.ofSeconds(-1)));
    }
}
