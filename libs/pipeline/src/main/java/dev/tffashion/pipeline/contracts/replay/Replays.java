package dev.tffashion.pipeline.contracts.replay;

import java.util.Collection;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

import dev.tffashion.pipeline.AnnotatedValue;
import dev.tffashion.pipeline.contracts.PredictionValue;
import dev.tffashion.pipeline.store.ContentStore;

/**
 * The lineage of a replayed prediction: a {@code predict.prediction} value like any other, whose id is
 * {@link ReplayRequest#predictionId}, with the lineage input {@value #SUPERSEDES} naming the prediction it replaces and the
 * annotation {@value #REPLAY_ID}. README, "Exactly once": such a prediction is intended, not a duplicate.
 */
public final class Replays {

    /** Lineage input: the prediction a replayed prediction replaces. */
    public static final String SUPERSEDES = "supersedes";
    /** Annotation: the replay that made a prediction. */
    public static final String REPLAY_ID = "replayId";

    private Replays() {
    }

    /** The value of a replayed prediction: the prediction's value with the replay's id, lineage and annotation. */
    public static AnnotatedValue superseding(PredictionValue prediction, String replayId, String supersededId, ContentStore store) {
        return prediction.toValue(store).toBuilder().sourceInput(SUPERSEDES, supersededId).annotation(REPLAY_ID, replayId).build();
    }

    /** The prediction a value supersedes, if it is a replayed one. */
    public static Optional<String> supersedes(AnnotatedValue value) {
        List<String> ids = value.sourceIds(SUPERSEDES);
        return ids.isEmpty() ? Optional.empty() : Optional.of(ids.get(0));
    }

    /**
     * The current prediction among an image's predictions: the one no other supersedes (after a replay, the replayed one); when
     * several are left (two predictions of one image without lineage between them), the newest.
     *
     * @param <T> how the caller holds a prediction
     */
    public static <T> Optional<T> current(Collection<T> predictions, Function<T, AnnotatedValue> value) {
        Set<String> superseded = new HashSet<>();
        predictions.forEach(p -> supersedes(value.apply(p)).ifPresent(superseded::add));
        return predictions.stream().filter(p -> !superseded.contains(value.apply(p).id()))
            .max(Comparator.comparing((T p) -> value.apply(p).createdAt()).thenComparing(p -> value.apply(p).id()));
    }
}
