package dev.tffashion.e2e;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.time.Duration;

/** Training through the packaged pipeline, as the end-to-end tests drive it: a recipe dropped, its model, its endpoint. */
final class Trainings {

    private static final String MODELS = "tf-fashion.learn.model";
    private static final String ENDPOINTS = "tf-fashion.serve.endpoint";
    private static final String SERVE_DLQ = "tf-fashion.serve.dlq";

    private Trainings() {
    }

    /** Drops a recipe and waits for its model on learn.model; returns that model record. */
    static TopicRecorder.Seen train(PipelineProcesses pipeline, TopicRecorder topics, byte[] recipe, String name, Duration within)
            throws Exception {
        var scriptId = pipeline.drop("scriptInput", name, recipe);
        long started = System.nanoTime();
        var model = await("learn.model for recipe " + name + " (" + scriptId + "); learn log " + pipeline.log("learn"))
            .atMost(within).pollInterval(Duration.ofMillis(250))
            .until(() -> topics.of(MODELS, m -> m.sourceIds("script").contains(scriptId)), l -> !l.isEmpty()).get(0);
        System.out.printf("e2e: %s trained in %.1f s (trainingSeconds %s, testAccuracy %s)%n", name, (System.nanoTime() - started) / 1e9,
            model.annotation("trainingSeconds"), model.annotation("testAccuracy"));
        return model;
    }

    /** Drops a recipe and waits until its model is announced on serve.endpoint; returns that endpoint record. */
    static TopicRecorder.Seen trainAndServe(PipelineProcesses pipeline, TopicRecorder topics, byte[] recipe, String name,
            Duration within) throws Exception {
        var model = train(pipeline, topics, recipe, name, within);
        assertFalse(topics.of(SERVE_DLQ, d -> model.id().equals(d.key())).size() > 0, "serve refused the model");
        return await("serve.endpoint for model " + model.id() + "; serve-manager log " + pipeline.log("serve-manager"))
            .atMost(within).pollInterval(Duration.ofMillis(100))
            .until(() -> topics.of(ENDPOINTS, e -> e.sourceIds("model").contains(model.id())), l -> !l.isEmpty()).get(0);
    }
}
