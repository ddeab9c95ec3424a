package dev.tffashion.servemanager.rollout;

import java.util.Locale;
import java.util.Optional;

/**
 * The promotion gate: once a challenger has made {@code predictions} shadow (or canary) predictions, it is promoted only if both
 * hold: its agreement with the live version is at least {@code minAgreement}, or its evaluation accuracy is at least the live
 * version's minus {@code accuracyTolerance}; and, when the latency gate is on, its p99 Predict latency is within
 * {@code maxLatencyIncreasePercent} of the live version's. Otherwise it is rejected, with the reason.
 *
 * @param predictions how many predictions the challenger makes before the gate decides, at least 1
 * @param minAgreement the agreement that suffices, 0..1
 * @param accuracyTolerance how much lower than the live version's the challenger's evaluation accuracy may be, 0..1
 * @param latencyGate whether the p99 latency is compared at all
 * @param maxLatencyIncreasePercent how much slower (p99) than the live version the challenger may be, in percent, at least 0
 */
public record RolloutGate(int predictions, double minAgreement, double accuracyTolerance, boolean latencyGate,
        double maxLatencyIncreasePercent) {

    /** What the gate decided, and why (for status, the API and the dead letter). */
    public record Decision(boolean promote, String reason) {
    }

    public RolloutGate {
        if (predictions < 1) {
            throw new IllegalArgumentException("serving.rollout.shadow-predictions must be at least 1, got " + predictions);
        }
        if (!(minAgreement >= 0 && minAgreement <= 1)) {
            throw new IllegalArgumentException("serving.rollout.min-agreement must be from 0 to 1, got " + minAgreement);
        }
        if (!(accuracyTolerance >= 0 && accuracyTolerance <= 1)) {
            throw new IllegalArgumentException("serving.rollout.accuracy-tolerance must be from 0 to 1, got " + accuracyTolerance);
        }
        if (!(maxLatencyIncreasePercent >= 0)) {
            throw new IllegalArgumentException("serving.rollout.max-latency-increase-percent must be 0 or more, got "
                + maxLatencyIncreasePercent);
        }
    }

    /**
     * The decision on a trial, or empty while it has fewer than {@link #predictions()} predictions.
     *
     * @param challengerAccuracy the challenger's evaluation (test) accuracy, or null when unknown
     * @param liveAccuracy the live version's, or null when unknown
     */
    public Optional<Decision> decide(ShadowStats.Snapshot stats, Double challengerAccuracy, Double liveAccuracy) {
        if (stats.predictions() < predictions) {
            return Optional.empty();
        }
        String agreement = "agreement " + pct(stats.agreement()) + " over " + stats.predictions() + " predictions (at least "
            + pct(minAgreement) + " needed)";
        boolean agrees = stats.agreement() >= minAgreement;
        boolean accurate = challengerAccuracy != null && liveAccuracy != null
            && challengerAccuracy >= liveAccuracy - accuracyTolerance - 1e-12;
        String accuracy = challengerAccuracy == null || liveAccuracy == null ? "evaluation accuracy unknown"
            : "evaluation accuracy " + pct(challengerAccuracy) + " against the live version's " + pct(liveAccuracy) + " (tolerance "
                + pct(accuracyTolerance) + ")";
        if (!agrees && !accurate) {
            return Optional.of(new Decision(false, "v" + stats.challengerVersion() + " rejected: " + agreement + ", and "
                + accuracy));
        }
        String quality = agrees ? agreement : accuracy;
        if (latencyGate) {
            if (Double.isNaN(stats.liveP99Millis()) || Double.isNaN(stats.challengerP99Millis())) {
                return Optional.of(new Decision(false, "v" + stats.challengerVersion() + " rejected: the latency gate is on, but no "
                    + "latency of both versions was measured (" + quality + ")"));
            }
            double limit = stats.liveP99Millis() * (1 + maxLatencyIncreasePercent / 100);
            String latency = String.format(Locale.ROOT, "p99 %.2f ms against the live version's %.2f ms (at most +%.0f%%)",
                stats.challengerP99Millis(), stats.liveP99Millis(), maxLatencyIncreasePercent);
            if (stats.challengerP99Millis() > limit) {
                return Optional.of(new Decision(false, "v" + stats.challengerVersion() + " rejected: " + latency + "; " + quality));
            }
            return Optional.of(new Decision(true, "v" + stats.challengerVersion() + " promoted: " + quality + "; " + latency));
        }
        return Optional.of(new Decision(true, "v" + stats.challengerVersion() + " promoted: " + quality + "; latency gate off"));
    }

    private static String pct(double share) {
        return Double.isNaN(share) ? "n/a" : String.format(Locale.ROOT, "%.2f%%", share * 100);
    }
}
