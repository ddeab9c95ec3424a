package dev.tffashion.servemanager.rollout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** Agreement overall and per class, each tensor once, and the p99 of both versions. */
class ShadowStatsTest {

    @Test
    void countsAgreementOverallAndPerLiveClass() {
        ShadowStats stats = new ShadowStats(3, 4);
        assertThat(stats.add("a", 0, 0, 1000, 2000)).isTrue();
        assertThat(stats.add("b", 0, 1, 1000, 2000)).isTrue();
        assertThat(stats.add("c", 5, 5, 1000, 2000)).isTrue();
        assertThat(stats.add("a", 0, 1, 1000, 2000)).as("a tensor read again counts once").isFalse();
        ShadowStats.Snapshot s = stats.snapshot();
        assertThat(s.predictions()).isEqualTo(3);
        assertThat(s.agreement()).isEqualTo(2.0 / 3);
        assertThat(s.agreementPerClass()).containsEntry(0, 0.5).containsEntry(5, 1.0).doesNotContainKey(1);
        assertThat(s.liveP99Millis()).isBetween(0.99, 1.01);
        assertThat(s.challengerP99Millis()).isBetween(1.99, 2.01);
        assertThat(s.toMap()).containsEntry("liveVersion", 3L).containsEntry("challengerVersion", 4L).containsKey("agreementPerClass");
    }

    @Test
    void emptyTrialHasNoNumbers() {
        ShadowStats.Snapshot s = new ShadowStats(1, 2).snapshot();
        assertThat(s.agreement()).isNaN();
        assertThat(s.toMap()).doesNotContainKeys("agreement", "liveP99Millis");
    }

    @Test
    void refusesLabelsOutsideTheClasses() {
        assertThatThrownBy(() -> new ShadowStats(1, 2).add("x", 10, 0, 1, 1)).hasMessageContaining("0..9");
    }
}
