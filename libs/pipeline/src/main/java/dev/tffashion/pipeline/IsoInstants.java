package dev.tffashion.pipeline;

import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;

/**
 * Writes and reads the instants of the pipeline's records in the form of {@link Instant#toString()}
 * ({@code 2026-12-04T20:09:51.123456Z}: a four-digit year, UTC, 0 to 9 fraction digits): the {@code ce_time} header of every
 * record, and the instants inside its JSON values ({@link Json} writes and reads those here too). Every writer and reader of a
 * record handles at least one, so they are on the hot path of every task and of file-drop's index; {@link Instant#parse}, a
 * general ISO-8601 parser, cost 8 % of the index's thread (JFR), and Jackson's instant reader, the same parser, 7 of 174
 * profile samples of image-convert at 150 pictures/s. {@link #parse} reads that one form directly, and hands every other text
 * to the general parser, so it accepts and rejects exactly what that parser does and gives the same instant; {@link #format}
 * writes exactly what {@link Instant#toString()} writes, without its general formatter, for the years 0 to 9999.
 */
public final class IsoInstants {

    private static final int SECONDS_PER_DAY = 86_400;
    private static final long FIRST_DAY = LocalDate.of(0, 1, 1).toEpochDay();
    private static final long LAST_DAY = LocalDate.of(9999, 12, 31).toEpochDay();
    private static final int[] POWERS_OF_TEN = {1, 10, 100, 1000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000};

    private IsoInstants() {
    }

    /** {@link Instant#toString()}'s text of an instant: the same characters, written directly for the years 0 to 9999. */
    public static String format(Instant instant) {
        long seconds = instant.getEpochSecond();
        long epochDay = Math.floorDiv(seconds, SECONDS_PER_DAY);
        if (epochDay < FIRST_DAY || epochDay > LAST_DAY) {
            return instant.toString();
        }
        LocalDate date = LocalDate.ofEpochDay(epochDay);
        int secondOfDay = (int) Math.floorMod(seconds, SECONDS_PER_DAY);
        int nanos = instant.getNano();
        char[] text = new char[30];
        put(text, 0, date.getYear(), 4);
        text[4] = '-';
        put(text, 5, date.getMonthValue(), 2);
        text[7] = '-';
        put(text, 8, date.getDayOfMonth(), 2);
        text[10] = 'T';
        put(text, 11, secondOfDay / 3600, 2);
        text[13] = ':';
        put(text, 14, secondOfDay / 60 % 60, 2);
        text[16] = ':';
        put(text, 17, secondOfDay % 60, 2);
        int length = 19;
        if (nanos > 0) {
            // as Instant.toString(): the fraction in groups of three digits, as many groups as it needs
            int digits = nanos % 1_000_000 == 0 ? 3 : nanos % 1000 == 0 ? 6 : 9;
            text[length++] = '.';
            put(text, length, nanos / POWERS_OF_TEN[9 - digits], digits);
            length += digits;
        }
        text[length++] = 'Z';
        return new String(text, 0, length);
    }

    /**
     * The instant of an ISO-8601 text.
     *
     * @throws java.time.format.DateTimeParseException as {@link Instant#parse} does, for a text it rejects
     */
    public static Instant parse(String text) {
        Instant fast = fastPath(text);
        return fast != null ? fast : Instant.parse(text);
    }

    /** {@code yyyy-MM-ddTHH:mm:ss[.f{1,9}]Z}, or null for any other text (also a leap second or an invalid date). */
    public static Instant fastPath(String text) {
        int length = text.length();
        if (length < 20 || length > 30 || text.charAt(length - 1) != 'Z' || text.charAt(4) != '-' || text.charAt(7) != '-'
            || text.charAt(10) != 'T' || text.charAt(13) != ':' || text.charAt(16) != ':') {
            return null;
        }
        int year = digits(text, 0, 4);
        int month = digits(text, 5, 2);
        int day = digits(text, 8, 2);
        int hour = digits(text, 11, 2);
        int minute = digits(text, 14, 2);
        int second = digits(text, 17, 2);
        if (year < 0 || month < 0 || day < 0 || hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) {
            return null;
        }
        int nanos = 0;
        if (length > 20) {
            int fraction = length - 21;
            if (text.charAt(19) != '.' || fraction < 1) {
                return null;
            }
            int value = digits(text, 20, fraction);
            if (value < 0) {
                return null;
            }
            nanos = value;
            for (int i = fraction; i < 9; i++) {
                nanos *= 10;
            }
        }
        long epochDay;
        try {
            epochDay = LocalDate.of(year, month, day).toEpochDay();
        } catch (DateTimeException e) {
            return null;
        }
        return Instant.ofEpochSecond(epochDay * SECONDS_PER_DAY + hour * 3600L + minute * 60L + second, nanos);
    }

    /** The number of {@code count} ASCII digits from {@code from}, or -1 when one is not a digit. */
    private static int digits(String text, int from, int count) {
        int value = 0;
        for (int i = from; i < from + count; i++) {
            char c = text.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            value = value * 10 + (c - '0');
        }
        return value;
    }

    /** Writes {@code value} as {@code count} decimal digits, zeros first, from {@code from}. */
    private static void put(char[] text, int from, int value, int count) {
        for (int i = from + count - 1; i >= from; i--) {
            text[i] = (char) ('0' + value % 10);
            value /= 10;
        }
    }
}
