package dev.tffashion.predict.replay;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import dev.tffashion.pipeline.AnnotatedValue;
import dev.tffashion.pipeline.contracts.PredictionValue;
import dev.tffashion.pipeline.contracts.replay.ReplayRequest;
import dev.tffashion.pipeline.contracts.replay.ReplayTally;
import dev.tffashion.pipeline.contracts.replay.Replays;

/**
 * What a replay re-predicts, from the predictions on {@code <pipeline>.predict.prediction} (read {@code read_committed}): for each
 * tensor its current prediction ({@link Replays#current}), ignoring the predictions the replay itself wrote (a resumed replay
 * selects what it selected at its start) and those written after the replay started. {@link #replayedBy()} are the tensors the
 * replay already predicted before a crash.
 */
public final class PredictionHistory {

    /** A prediction as the replay needs it. */
    public record Prediction(String id, String tensorId, String imageId, long version, ReplayTally.Label label, Instant createdAt) {

        static Prediction of(AnnotatedValue value) {
            List<String> tensors = value.sourceIds(PredictionValue.TENSOR_INPUT);
            List<String> images = value.sourceIds(PredictionValue.IMAGE_INPUT);
            String version = value.annotation(PredictionValue.MODEL_VERSION);
            String label = value.annotation(PredictionValue.LABEL);
            if (tensors.isEmpty() || version == null || label == null) {
                return null;
            }
            return new Prediction(value.id(), tensors.get(0), images.isEmpty() ? null : images.get(0), Long.parseLong(version),
                new ReplayTally.Label(Integer.parseInt(label), value.annotation(PredictionValue.CLASS_NAME)), value.createdAt());
        }
    }

    private final ReplayRequest request;
    private final Instant startedAt;
    private final Map<String, List<AnnotatedValue>> byTensor = new LinkedHashMap<>();
    private final Set<String> replayedBy = new HashSet<>();

    public PredictionHistory(ReplayRequest request, Instant startedAt) {
        this.request = request;
        this.startedAt = startedAt;
    }

    /** Takes one prediction value read from the topic (a value of this replay, or written after its start, is set apart). */
    public void add(AnnotatedValue value) {
        if (request.id().equals(value.annotation(Replays.REPLAY_ID))) {
            value.sourceIds(PredictionValue.TENSOR_INPUT).forEach(replayedBy::add);
            return;
        }
        if (value.createdAt().isAfter(startedAt)) {
            return;
        }
        List<String> tensors = value.sourceIds(PredictionValue.TENSOR_INPUT);
        if (!tensors.isEmpty()) {
            byTensor.computeIfAbsent(tensors.get(0), t -> new ArrayList<>()).add(value);
        }
    }

    /** The tensors this replay predicted already (before a crash). */
    public Set<String> replayedBy() {
        return replayedBy;
    }

    /** The current predictions the request selects, by tensor id: those made by the target version included. */
    public Map<String, Prediction> selected() {
        Map<String, Prediction> selected = new HashMap<>();
        byTensor.forEach((tensor, values) -> Replays.current(values, v -> v).map(Prediction::of)
            .filter(p -> request.selects(p.version(), p.createdAt())).ifPresent(p -> selected.put(tensor, p)));
        return selected;
    }
}
