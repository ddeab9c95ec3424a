package dev.tffashion.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

class IsoInstantsTest {

    /**
     * {@code count} instants of the years 0 to 9999, seeded: a quarter each with no fraction, whole milliseconds, whole
     * microseconds and any nanoseconds (the three lengths of fraction {@link Instant#toString()} writes).
     */
    static List<Instant> instants(long seed, int count) {
        SplittableRandom random = new SplittableRandom(seed);
        long first = Instant.parse("0000-01-01T00:00:00Z").getEpochSecond();
        long last = Instant.parse("9999-12-31T23:59:59Z").getEpochSecond();
        List<Instant> instants = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            long nanos = switch (i % 4) {
                case 0 -> 0;
                case 1 -> random.nextInt(1000) * 1_000_000L;
                case 2 -> random.nextInt(1_000_000) * 1000L;
                default -> random.nextInt(1_000_000_000);
            };
            instants.add(Instant.ofEpochSecond(random.nextLong(first, last + 1), nanos));
        }
        return instants;
    }

    @Test
    void whatInstantToStringWritesIsReadByTheFastPathAsInstantParseReadsIt() {
        for (Instant instant : instants(42, 200_000)) {
            String text = instant.toString();
            assertEquals(text, IsoInstants.format(instant), text);
            Instant fast = IsoInstants.fastPath(text);
            assertNotNull(fast, text);
            assertEquals(instant, fast, text);
            assertEquals(Instant.parse(text), IsoInstants.parse(text), text);
        }
    }

    @Test
    void everyFractionLengthAndTheEdgesOfEachField() {
        for (String text : List.of("2026-12-04T20:09:51Z", "2026-12-04T20:09:51.1Z", "2026-12-04T20:09:51.12Z",
            "2026-12-04T20:09:51.123Z", "2026-12-04T20:09:51.1234Z", "2026-12-04T20:09:51.12345Z", "2026-12-04T20:09:51.123456Z",
            "2026-12-04T20:09:51.1234567Z", "2026-12-04T20:09:51.12345678Z", "2026-12-04T20:09:51.123456789Z",
            "2024-02-29T23:59:59.999999999Z", "1970-01-01T00:00:00Z", "1969-12-31T23:59:59.5Z", "0000-01-01T00:00:00Z")) {
            assertNotNull(IsoInstants.fastPath(text), text);
            assertEquals(Instant.parse(text), IsoInstants.parse(text), text);
            assertEquals(Instant.parse(text).toString(), IsoInstants.format(Instant.parse(text)), text);
        }
    }

    @Test
    void formatWritesWhatInstantToStringWritesAlsoOutsideTheFourDigitYears() {
        for (Instant instant : List.of(Instant.EPOCH, Instant.ofEpochSecond(-1), Instant.ofEpochSecond(-1, 999_999_999),
            Instant.ofEpochSecond(0, 1), Instant.ofEpochSecond(0, 1000), Instant.ofEpochSecond(0, 1_000_000),
            Instant.ofEpochSecond(0, 100_000_000), Instant.ofEpochSecond(0, 120_000), Instant.ofEpochSecond(59, 100),
            Instant.parse("0000-01-01T00:00:00Z"), Instant.parse("0000-01-01T00:00:00Z").minusNanos(1),
            Instant.parse("9999-12-31T23:59:59.999999999Z"), Instant.parse("9999-12-31T23:59:59.999999999Z").plusNanos(1),
            Instant.MIN, Instant.MAX, Instant.parse("2024-02-29T12:00:00Z"), Instant.parse("2026-12-04T20:09:00Z"))) {
            assertEquals(instant.toString(), IsoInstants.format(instant), instant::toString);
        }
    }

    @Test
    void otherFormsGoToInstantParseAndAreAcceptedOrRejectedAsThere() {
        // accepted by Instant.parse, but not the form the pipeline writes: the fast path leaves them to it
        for (String text : List.of("2016-12-31T23:59:60Z", "2026-12-04T24:00:00Z", "2026-12-04T20:09:51.Z", "+10000-01-01T00:00:00Z",
            "-0001-01-01T00:00:00Z")) {
            assertNull(IsoInstants.fastPath(text), text);
            assertEquals(Instant.parse(text), IsoInstants.parse(text), text);
        }
        // rejected by Instant.parse: rejected here too, with its exception
        for (String text : List.of("2026-02-30T00:00:00Z", "2026-13-01T00:00:00Z", "2026-12-04T20:60:00Z",
            "2026-12-04T20:09:51.1234567890Z", "2026-12-04 20:09:51Z", "2026-12-04T20:09:51",
            "2026-12-O4T20:09:51Z", "2026-12-04T20:09:51.12a4Z", "yesterday", "")) {
            assertNull(IsoInstants.fastPath(text), text);
            assertThrows(DateTimeParseException.class, () -> Instant.parse(text), text);
            assertThrows(DateTimeParseException.class, () -> IsoInstants.parse(text), text);
        }
    }
}
