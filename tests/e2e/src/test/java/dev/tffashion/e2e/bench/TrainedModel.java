package dev.tffashion.e2e.bench;

import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import dev.tffashion.e2e.PipelineProcesses;
import dev.tffashion.e2e.TopicRecorder;

/**
 * A recipe trained and served through a running pipeline, as a user gets one: the recipe dropped on file-drop, then its model
 * (tf-fashion.learn.model) and its endpoint (tf-fashion.serve.endpoint) read from the topics.
 *
 * @param seconds from the drop to the endpoint record
 */
record TrainedModel(String grpcTarget, String modelName, String version, String trainingSeconds, String testAccuracy, double seconds) {

    /** Drops the recipe and waits (15 min for training, 3 min for serving) until its model is served. */
    static TrainedModel through(PipelineProcesses pipeline, Path recipe) throws Exception {
        long started = System.nanoTime();
        try (var topics = new TopicRecorder(pipeline.bootstrap(), "tf-fashion")) {
            var scriptId = pipeline.drop("scriptInput", recipe.getFileName().toString(), Files.readAllBytes(recipe));
            var model = await("learn.model for " + recipe).atMost(Duration.ofMinutes(15)).pollInterval(Duration.ofMillis(500))
                .until(() -> topics.of("tf-fashion.learn.model", m -> m.sourceIds("script").contains(scriptId)), l -> !l.isEmpty())
                .get(0);
            var endpoint = await("serve.endpoint for " + model.id()).atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(100))
                .until(() -> topics.of("tf-fashion.serve.endpoint", e -> e.sourceIds("model").contains(model.id())), l -> !l.isEmpty())
                .get(0);
            var name = endpoint.annotation("modelName") == null ? "fashion" : endpoint.annotation("modelName");
            return new TrainedModel(endpoint.annotation("grpcTarget"), name, endpoint.annotation("modelVersion"),
                model.annotation("trainingSeconds"), model.annotation("testAccuracy"), (System.nanoTime() - started) / 1e9);
        }
    }
}
