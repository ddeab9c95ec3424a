package dev.tffashion.pipeline.contracts;

import dev.tffashion.pipeline.AnnotatedValue;
import dev.tffashion.pipeline.ValueIds;

/**
 * A challenger's prediction on {@code <pipeline>.predict.shadow}, written by predict while a rollout runs and read by
 * serve-manager's promotion gate: the challenger's {@link PredictionValue} (its class, its version in {@code modelVersion}, the
 * same lineage), under the output {@value #OUTPUT} and its own id, with the live version's answer to the same tensor and the
 * latency of both Predict calls as annotations. Never an answer to a user: file-drop does not index this topic.
 */
public final class ShadowPrediction {

    /** The output name the shadow values carry. */
    public static final String OUTPUT = "shadow";
    /** Annotation: the live version's class for the same tensor. */
    public static final String LIVE_LABEL = "liveLabel";
    /** Annotation: the live version. */
    public static final String LIVE_VERSION = "liveVersion";
    /** Annotation: the live version's Predict call, microseconds. */
    public static final String LIVE_MICROS = "liveMicros";
    /** Annotation: the challenger's Predict call, microseconds. */
    public static final String CHALLENGER_MICROS = "challengerMicros";
    /** Annotation on predictions and shadow values: which arm answered, {@code live}, {@code shadow} or {@code canary}. */
    public static final String ARM = "rolloutArm";

    private ShadowPrediction() {
    }

    /** The shadow value of a challenger's prediction, compared with the live version's class. */
    public static AnnotatedValue of(AnnotatedValue challengerPrediction, String tensorId, int liveLabel, long liveVersion,
            long liveMicros, long challengerMicros, String arm) {
        return challengerPrediction.toBuilder()
            .id(ValueIds.derived(PredictionValue.TASK, OUTPUT, tensorId, "model:" + challengerPrediction.annotation(
                PredictionValue.MODEL_NAME) + ":" + challengerPrediction.annotation(PredictionValue.MODEL_VERSION)))
            .output(OUTPUT)
            .annotation(LIVE_LABEL, liveLabel)
            .annotation(LIVE_VERSION, liveVersion)
            .annotation(LIVE_MICROS, liveMicros)
            .annotation(CHALLENGER_MICROS, challengerMicros)
            .annotation(ARM, arm)
            .build();
    }
}
