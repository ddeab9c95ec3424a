package dev.tffashion.e2e.chaos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;

/**
 * How the fault run judges the API's answers to images whose prediction it had already answered: "loading" (503 while a
 * restarted file-drop's index reads Kafka again) is expected; anything else fails a run with one file-drop.
 */
class ReportTest {

    @Test
    void loadingAfterARestartIsOnlyNoted() {
        var regressions = Map.of("loading", Map.of("image-1", 2, "image-2", 1));
        assertEquals(Optional.empty(), Report.wrongAgain(regressions, 1));
        assertEquals("answered without it again: 3 times 'loading' on 2 images (503 while a restarted file-drop's index reads Kafka"
            + " again)", Report.regressionsText(regressions));
    }

    @Test
    void anUnknownImageAfterItsPredictionFailsTheRun() {
        var regressions = Map.of("loading", Map.of("image-1", 4), "unknown", Map.of("image-2", 1), "pending", Map.of("image-3", 2));
        var failure = Report.wrongAgain(regressions, 1);
        assertTrue(failure.isPresent());
        assertTrue(failure.get().endsWith("answered without it again: 2 times 'pending' on 1 image, 1 time 'unknown' on 1 image"),
            failure.get());
    }

    @Test
    void replicasMayLagOneAnother() {
        assertEquals(Optional.empty(), Report.wrongAgain(Map.of("pending", Map.of("image-1", 1)), 2));
    }

    @Test
    void nothingAnsweredAgain() {
        assertEquals(Optional.empty(), Report.wrongAgain(Map.of(), 1));
        assertEquals("never answered without it again", Report.regressionsText(Map.of()));
    }
}
