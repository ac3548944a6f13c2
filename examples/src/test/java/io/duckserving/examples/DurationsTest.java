package io.duckserving.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The examples' duration options (--outage, --replica-handoff, --duration...) read as people type them. */
class DurationsTest {

    @Test
    void aBareZeroIsNoneAndUnitsAndIsoFormsAreRead() {
        assertEquals(Duration.ZERO, Durations.parse("0"), "--outage=0 and --replica-handoff=0 say none");
        assertEquals(Duration.ofMillis(500), Durations.parse("500ms"));
        assertEquals(Duration.ofMillis(1500), Durations.parse("1.5s"));
        assertEquals(Duration.ofMinutes(2), Durations.parse("2m"));
        assertEquals(Duration.ofSeconds(3), Durations.parse("PT3S"));
    }

    @Test
    void aNumberWithoutAUnitOrGarbageIsRefusedSayingHowToWriteIt() {
        for (String bad : new String[] {"5", "soon", "-", ""}) {
            CommandLine.TypeConversionException e = assertThrows(CommandLine.TypeConversionException.class,
                    () -> Durations.parse(bad));
            assertTrue(e.getMessage().contains("500ms, 30s, 2m or PT30S"), e.getMessage());
        }
    }
}
