package dev.tffashion.predict.replay;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

import dev.tffashion.pipeline.AnnotatedValue;
import dev.tffashion.pipeline.contracts.PredictionValue;
import dev.tffashion.pipeline.contracts.replay.ReplayRequest;
import dev.tffashion.pipeline.contracts.replay.Replays;
import dev.tffashion.pipeline.store.ContentStore;

/** What a replay selects: current predictions only, never its own, never those written after it started. */
class PredictionHistoryTest {

    private static final ContentStore STORE = ContentStore.atFolder(Path.of("target", "test-store"));
    private static final Instant START = Instant.parse("2026-12-03T10:00:00Z");

    private static PredictionValue prediction(String id, String tensor, long version, int label, Instant at) {
        PredictionValue.Content content = new PredictionValue.Content(label, "class " + label, 0.9f, List.of(), false,
            new PredictionValue.Model("fashion", version, "serving_default"));
        return new PredictionValue(id, "tf-fashion", tensor, "image-" + tensor, "endpoint", content, at);
    }

    @Test
    void selectsTheCurrentPredictionOfEachTensorByTheRequestedVersion() {
        ReplayRequest request = ReplayRequest.between(1, 3);
        PredictionHistory history = new PredictionHistory(request, START);
        PredictionValue a1 = prediction("a1", "a", 1, 4, START.minusSeconds(60));
        PredictionValue b1 = prediction("b1", "b", 1, 5, START.minusSeconds(50));
        PredictionValue b2 = prediction("b2", "b", 2, 6, START.minusSeconds(40));
        PredictionValue c1 = prediction("c1", "c", 1, 7, START.plusSeconds(1));
        history.add(a1.toValue(STORE));
        history.add(b1.toValue(STORE));
        history.add(Replays.superseding(b2, ReplayRequest.between(1, 2).id(), "b1", STORE));
        history.add(c1.toValue(STORE));

        Map<String, PredictionHistory.Prediction> selected = history.selected();
        assertEquals(Set.of("a"), selected.keySet(), "b's current prediction is v2 (a replay superseded v1); c came after the start");
        assertEquals("a1", selected.get("a").id());
        assertEquals(4, selected.get("a").label().label());
    }

    @Test
    void aResumedReplaySelectsWhatItSelectedAtItsStartAndKnowsWhatItDid() {
        ReplayRequest request = ReplayRequest.between(1, 2);
        PredictionHistory history = new PredictionHistory(request, START);
        history.add(prediction("a1", "a", 1, 4, START.minusSeconds(60)).toValue(STORE));
        history.add(prediction("b1", "b", 1, 5, START.minusSeconds(50)).toValue(STORE));
        AnnotatedValue replayedA = Replays.superseding(prediction(ReplayRequest.predictionId(request.id(), "a"), "a", 2, 8,
            START.plusSeconds(5)), request.id(), "a1", STORE);
        history.add(replayedA);

        assertEquals(Set.of("a", "b"), history.selected().keySet(), "its own predictions do not change the selection");
        assertEquals(Set.of("a"), history.replayedBy());
    }

    @Test
    void theWindowFormSelectsByTheTimeOfTheCurrentPrediction() {
        ReplayRequest request = ReplayRequest.window(2, START.minusSeconds(100), START.minusSeconds(30));
        PredictionHistory history = new PredictionHistory(request, START);
        history.add(prediction("a1", "a", 1, 4, START.minusSeconds(60)).toValue(STORE));
        history.add(prediction("b1", "b", 1, 5, START.minusSeconds(20)).toValue(STORE));
        history.add(prediction("c1", "c", 1, 5, START.minusSeconds(200)).toValue(STORE));
        assertEquals(Set.of("a"), history.selected().keySet());
    }
}
