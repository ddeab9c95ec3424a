package dev.tffashion.servemanager.rollout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Optional;

import org.junit.jupiter.api.Test;

/** The promotion gate's rule: agreement or evaluation accuracy, then (when on) the p99 latency; nothing before N predictions. */
class RolloutGateTest {

    private static final RolloutGate NO_LATENCY = new RolloutGate(10, 0.9, 0.01, false, 50);
    private static final RolloutGate WITH_LATENCY = new RolloutGate(10, 0.9, 0.01, true, 50);

    /** A trial of 1 -> 2 with {@code agreeing} of {@code total} predictions the same; latencies in microseconds. */
    private static ShadowStats.Snapshot trial(int total, int agreeing, long liveMicros, long challengerMicros) {
        ShadowStats stats = new ShadowStats(1, 2);
        for (int i = 0; i < total; i++) {
            int live = i % ShadowStats.CLASSES;
            stats.add("t" + i, live, i < agreeing ? live : (live + 1) % ShadowStats.CLASSES, liveMicros, challengerMicros);
        }
        return stats.snapshot();
    }

    @Test
    void waitsForNPredictions() {
        assertThat(NO_LATENCY.decide(trial(9, 9, 100, 100), 0.9, 0.9)).isEmpty();
        assertThat(NO_LATENCY.decide(trial(10, 10, 100, 100), 0.9, 0.9)).isPresent();
    }

    @Test
    void agreementAloneSuffices() {
        Optional<RolloutGate.Decision> d = NO_LATENCY.decide(trial(10, 9, 100, 100), null, null);
        assertThat(d).get().extracting(RolloutGate.Decision::promote).isEqualTo(true);
        assertThat(d.get().reason()).contains("promoted").contains("agreement 90.00%");
    }

    @Test
    void accuracyWithinToleranceSufficesWhenAgreementIsLow() {
        assertThat(NO_LATENCY.decide(trial(10, 5, 100, 100), 0.875, 0.88).get().promote()).isTrue();
        RolloutGate.Decision rejected = NO_LATENCY.decide(trial(10, 5, 100, 100), 0.86, 0.88).get();
        assertThat(rejected.promote()).isFalse();
        assertThat(rejected.reason()).contains("rejected").contains("agreement 50.00%").contains("evaluation accuracy 86.00%");
    }

    @Test
    void lowAgreementAndUnknownAccuracyIsRejected() {
        RolloutGate.Decision d = NO_LATENCY.decide(trial(20, 2, 100, 100), null, 0.9).get();
        assertThat(d.promote()).isFalse();
        assertThat(d.reason()).contains("evaluation accuracy unknown");
    }

    @Test
    void latencyGateRejectsASlowChallengerAndIgnoresLatencyWhenOff() {
        assertThat(WITH_LATENCY.decide(trial(10, 10, 1000, 1400), null, null).get().promote()).isTrue();
        RolloutGate.Decision slow = WITH_LATENCY.decide(trial(10, 10, 1000, 1600), null, null).get();
        assertThat(slow.promote()).isFalse();
        assertThat(slow.reason()).contains("p99");
        assertThat(NO_LATENCY.decide(trial(10, 10, 1000, 100_000), null, null).get().promote()).isTrue();
    }

    @Test
    void latencyGateWithoutMeasurementsRejects() {
        assertThat(WITH_LATENCY.decide(trial(10, 10, -1, -1), null, null).get().promote()).isFalse();
    }

    @Test
    void badThresholdsSayWhichSetting() {
        assertThatThrownBy(() -> new RolloutGate(0, 0.9, 0.01, false, 50)).hasMessageContaining("shadow-predictions");
        assertThatThrownBy(() -> new RolloutGate(1, 1.5, 0.01, false, 50)).hasMessageContaining("min-agreement");
        assertThatThrownBy(() -> new RolloutGate(1, 0.9, -1, false, 50)).hasMessageContaining("accuracy-tolerance");
        assertThatThrownBy(() -> new RolloutGate(1, 0.9, 0.01, true, -5)).hasMessageContaining("max-latency-increase-percent");
    }
}
