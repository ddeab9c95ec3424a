package dev.tffashion.pipeline;

import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;

/**
 * Reads the instants the pipeline writes with {@link Instant#toString()} ({@code 2026-12-04T20:09:51.123456Z}: a four-digit
 * year, UTC, 0 to 9 fraction digits): the {@code ce_time} header of every record, and the instants inside its JSON values
 * ({@link Json} reads those through {@link #fastPath} too). Every reader of a record parses at least one, so it is on the hot
 * path of every task and of file-drop's index; {@link Instant#parse}, a general ISO-8601 parser, cost 8 % of the index's thread
 * (JFR), and Jackson's instant reader, the same parser, about 5 % of image-convert's samples. This reads that one form
 * directly, and hands every other text to the general parser, so it accepts and rejects exactly what that parser does and gives
 * the same instant.
 */
public final class IsoInstants {

    private static final int SECONDS_PER_DAY = 86_400;

    private IsoInstants() {
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
}
