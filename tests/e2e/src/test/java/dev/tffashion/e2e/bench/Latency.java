package dev.tffashion.e2e.bench;

import java.util.Locale;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.TreeMap;

import org.HdrHistogram.Histogram;

/**
 * Latencies of one measurement in an HdrHistogram (microseconds, 3 significant digits), with the drops that never got an
 * answer counted beside it: a percentile that falls among the failures is reported as failed, never taken from the
 * successes alone.
 */
final class Latency {

    private static final long MAX_MICROS = 3_600_000_000L;

    private final Histogram histogram = new Histogram(MAX_MICROS, 3);
    private final Map<String, Integer> failures = new TreeMap<>();
    private long clamped;

    /** Records one latency in nanoseconds (negative values, from millisecond record timestamps, count as 0). */
    void record(long nanos) {
        if (nanos < 0) {
            clamped++;
        }
        histogram.recordValue(Math.min(MAX_MICROS, Math.max(0, nanos / 1000)));
    }

    void fail(String reason) {
        failures.merge(reason, 1, Integer::sum);
    }

    long succeeded() {
        return histogram.getTotalCount();
    }

    long failed() {
        return failures.values().stream().mapToLong(Integer::longValue).sum();
    }

    long total() {
        return succeeded() + failed();
    }

    /** The latency at a percentile of all drops, in ms; empty when it falls among the failures (or nothing was measured). */
    OptionalDouble millis(double percentile) {
        long total = total();
        if (total == 0) {
            return OptionalDouble.empty();
        }
        long rank = Math.max(1, (long) Math.ceil(percentile / 100.0 * total));
        if (rank > succeeded()) {
            return OptionalDouble.empty();
        }
        return OptionalDouble.of(histogram.getValueAtPercentile(100.0 * rank / succeeded()) / 1000.0);
    }

    /** The percentile as text: "12.3 ms", "failed" when it falls among the failures, "-" when nothing was measured. */
    String at(double percentile) {
        var ms = millis(percentile);
        if (ms.isPresent()) {
            return format(ms.getAsDouble());
        }
        return total() == 0 ? "-" : "failed";
    }

    String max() {
        return failed() > 0 ? "failed" : succeeded() == 0 ? "-" : format(histogram.getMaxValue() / 1000.0);
    }

    String mean() {
        return succeeded() == 0 ? "-" : format(histogram.getMean() / 1000.0);
    }

    /** "none", or each failure reason with its count. */
    String failures() {
        if (failures.isEmpty()) {
            return "none";
        }
        var text = new StringBuilder();
        failures.forEach((reason, count) -> text.append(text.length() == 0 ? "" : "; ").append(count).append(' ').append(reason));
        return text.toString();
    }

    /** How many latencies were below 0 (record timestamps have millisecond resolution) and counted as 0. */
    long clamped() {
        return clamped;
    }

    static String format(double millis) {
        return millis < 10 ? String.format(Locale.ROOT, "%.2f ms", millis) : String.format(Locale.ROOT, "%.1f ms", millis);
    }
}
