package dev.tffashion.servemanager.replay;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;

import org.junit.jupiter.api.Test;

import dev.tffashion.pipeline.contracts.replay.ReplayReport;
import dev.tffashion.pipeline.contracts.replay.ReplayRequest;

class ReplayHoldsTest {

    private static final Instant T0 = Instant.parse("2026-12-03T10:00:00Z");
    private final ReplayHolds holds = new ReplayHolds(Duration.ofMinutes(10));
    private final ReplayRequest toOne = ReplayRequest.between(2, 1);

    @Test
    void aRequestRunsUntilItsReportIsDone() {
        holds.requested(toOne.id(), toOne, at(0));
        assertThat(holds.running(T0.plusSeconds(1))).extracting(ReplayHolds.Running::version).containsExactly(1L);
        holds.reported(toOne.id(), report(ReplayReport.State.RUNNING), at(5));
        assertThat(holds.running(T0.plusSeconds(6))).extracting(ReplayHolds.Running::id).containsExactly(toOne.id());
        holds.reported(toOne.id(), report(ReplayReport.State.DONE), at(9));
        assertThat(holds.running(T0.plusSeconds(10))).isEmpty();
        holds.requested(toOne.id(), toOne, at(20));
        assertThat(holds.running(T0.plusSeconds(21))).as("a done replay posted again runs no more").isEmpty();
    }

    @Test
    void aFailedReplayRunsAgainOnlyWhenPostedAfterItsFailure() {
        holds.requested(toOne.id(), toOne, at(0));
        holds.reported(toOne.id(), report(ReplayReport.State.FAILED), at(3));
        assertThat(holds.running(T0.plusSeconds(4))).isEmpty();
        holds.requested(toOne.id(), toOne, at(8));
        assertThat(holds.running(T0.plusSeconds(9))).extracting(ReplayHolds.Running::version).containsExactly(1L);
    }

    @Test
    void aReplayWithoutProgressForTheHoldRunsNoMore() {
        holds.requested(toOne.id(), toOne, at(0));
        holds.reported(toOne.id(), report(ReplayReport.State.RUNNING), at(60));
        assertThat(holds.running(T0.plusSeconds(60 + 599))).hasSize(1);
        assertThat(holds.running(T0.plusSeconds(60 + 601))).isEmpty();
        holds.reported(toOne.id(), report(ReplayReport.State.RUNNING), at(700));
        assertThat(holds.running(T0.plusSeconds(701))).as("a report that it still waits brings it back").hasSize(1);
    }

    @Test
    void aReportSeenBeforeItsRequestCountsAndATombstoneForgets() {
        ReplayRequest window = ReplayRequest.window(3, null, null);
        holds.reported(window.id(), new ReplayReport(window.id(), window, ReplayReport.State.RUNNING, null, "fashion", T0, T0,
            null, null, null, null, null), at(1));
        assertThat(holds.running(T0.plusSeconds(2))).extracting(ReplayHolds.Running::version).containsExactly(3L);
        holds.requested(window.id(), null, at(3));
        assertThat(holds.running(T0.plusSeconds(4))).isEmpty();
    }

    private ReplayReport report(ReplayReport.State state) {
        return new ReplayReport(toOne.id(), toOne, state, null, "fashion", T0, T0, null, null, null, null, null);
    }

    private static long at(long seconds) {
        return T0.plusSeconds(seconds).toEpochMilli();
    }
}
