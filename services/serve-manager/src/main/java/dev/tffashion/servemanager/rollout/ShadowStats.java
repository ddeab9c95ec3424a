package dev.tffashion.servemanager.rollout;

import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.HdrHistogram.Histogram;

/**
 * What a challenger's shadow predictions say so far: how often it agrees with the live version, overall and per class (the live
 * version's class), and the latency of the Predict calls of both (HdrHistogram, microseconds up to one minute). Each tensor counts
 * once, however often its shadow prediction is read again. Thread-safe.
 */
public final class ShadowStats {

    /** Fashion-MNIST's ten classes. */
    public static final int CLASSES = 10;

    private final long liveVersion;
    private final long challengerVersion;
    private final Set<String> seen = new HashSet<>();
    private final long[] perClass = new long[CLASSES];
    private final long[] agreePerClass = new long[CLASSES];
    private final Histogram liveLatency = new Histogram(TimeUnit.MINUTES.toMicros(1), 3);
    private final Histogram challengerLatency = new Histogram(TimeUnit.MINUTES.toMicros(1), 3);
    private long total;
    private long agree;

    public ShadowStats(long liveVersion, long challengerVersion) {
        this.liveVersion = liveVersion;
        this.challengerVersion = challengerVersion;
    }

    public long liveVersion() {
        return liveVersion;
    }

    public long challengerVersion() {
        return challengerVersion;
    }

    /**
     * Counts one shadow prediction.
     *
     * @param liveLabel the live version's class, 0..9
     * @param challengerLabel the challenger's class, 0..9
     * @param liveMicros the live version's Predict call that answered it, or negative when unknown
     * @param challengerMicros the challenger's Predict call, or negative when unknown
     * @return false when this tensor was counted before (nothing changes)
     * @throws IllegalArgumentException when a label is not a class
     */
    public synchronized boolean add(String tensorId, int liveLabel, int challengerLabel, long liveMicros, long challengerMicros) {
        if (liveLabel < 0 || liveLabel >= CLASSES || challengerLabel < 0 || challengerLabel >= CLASSES) {
            throw new IllegalArgumentException("labels must be 0.." + (CLASSES - 1) + ", got live " + liveLabel + ", challenger "
                + challengerLabel);
        }
        if (!seen.add(tensorId)) {
            return false;
        }
        total++;
        perClass[liveLabel]++;
        if (liveLabel == challengerLabel) {
            agree++;
            agreePerClass[liveLabel]++;
        }
        record(liveLatency, liveMicros);
        record(challengerLatency, challengerMicros);
        return true;
    }

    private static void record(Histogram histogram, long micros) {
        if (micros >= 0) {
            histogram.recordValue(Math.min(micros, histogram.getHighestTrackableValue()));
        }
    }

    /** The numbers so far. */
    public synchronized Snapshot snapshot() {
        Map<Integer, Double> classes = new LinkedHashMap<>();
        for (int c = 0; c < CLASSES; c++) {
            if (perClass[c] > 0) {
                classes.put(c, (double) agreePerClass[c] / perClass[c]);
            }
        }
        return new Snapshot(liveVersion, challengerVersion, total, total == 0 ? Double.NaN : (double) agree / total, classes,
            p99(liveLatency), p99(challengerLatency));
    }

    private static double p99(Histogram h) {
        return h.getTotalCount() == 0 ? Double.NaN : h.getValueAtPercentile(99.0) / 1000.0;
    }

    /**
     * The numbers of a trial at one moment.
     *
     * @param agreement the share of predictions where both gave the same class (NaN before the first)
     * @param agreementPerClass per live class with predictions, the share the challenger agreed on
     * @param liveP99Millis the live version's p99 Predict latency in milliseconds (NaN when unknown)
     * @param challengerP99Millis the challenger's (NaN when unknown)
     */
    public record Snapshot(long liveVersion, long challengerVersion, long predictions, double agreement,
            Map<Integer, Double> agreementPerClass, double liveP99Millis, double challengerP99Millis) {

        public Snapshot {
            agreementPerClass = Map.copyOf(agreementPerClass);
        }

        /** For status and the API: plain numbers, NaN left out. */
        public Map<String, Object> toMap() {
            Map<String, Object> map = new LinkedHashMap<>();
            map.put("liveVersion", liveVersion);
            map.put("challengerVersion", challengerVersion);
            map.put("predictions", predictions);
            putNumber(map, "agreement", agreement);
            Map<String, Double> classes = new LinkedHashMap<>();
            new java.util.TreeMap<>(agreementPerClass).forEach((c, a) -> classes.put(Integer.toString(c), a));
            map.put("agreementPerClass", classes);
            putNumber(map, "liveP99Millis", liveP99Millis);
            putNumber(map, "challengerP99Millis", challengerP99Millis);
            return map;
        }

        private static void putNumber(Map<String, Object> map, String key, double value) {
            if (!Double.isNaN(value)) {
                map.put(key, value);
            }
        }
    }
}
