package dev.tffashion.predict;

import java.time.Duration;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * The service's Micrometer meters: {@code predict.predictions} (counter, by model), {@code predict.latency} (timer of each Predict
 * call), {@code predict.end.to.end} (timer from the tensor record's timestamp to the prediction acknowledged by Kafka),
 * {@code predict.batch.size} and {@code predict.failures} (counter, by reason).
 */
@ApplicationScoped
public class PredictMetrics {

    /** Failure reasons, the tag of {@code predict.failures}. */
    public enum Failure {
        /** Record is not a tensor value: dead-lettered. */
        MALFORMED,
        /** TF Serving answered INVALID_ARGUMENT: dead-lettered. */
        INVALID_ARGUMENT,
        /** TF Serving down or busy: retried. */
        UNAVAILABLE,
        /** Model or version not loaded: retried once a model answers. */
        MODEL_NOT_LOADED,
        /** TF Serving or the model failed: retried slowly. */
        SERVING_FAILED,
        /** Kafka did not acknowledge a prediction: retried. */
        PUBLISH
    }

    @Inject
    MeterRegistry registry;

    public void predicted(String model, long version, int count) {
        Counter.builder("tffashion.predict.predictions").description("Tensors classified and published")
            .tag("model", model).tag("version", Long.toString(version)).register(registry).increment(count);
    }

    public void predictCall(Duration duration, int instances) {
        Timer.builder("tffashion.predict.call.latency").description("Duration of one TF Serving Predict call (one batch)")
            .publishPercentileHistogram().register(registry).record(duration);
        DistributionSummary.builder("tffashion.predict.call.size").description("Tensors per Predict call").register(registry)
            .record(instances);
    }

    public void endToEnd(Duration duration) {
        Timer.builder("tffashion.predict.end.to.end")
            .description("From the tensor record's timestamp to its prediction acknowledged by Kafka")
            .publishPercentileHistogram().register(registry).record(duration);
    }

    public void failed(Failure reason, int count) {
        Counter.builder("tffashion.predict.failures").description("Tensors dead-lettered or batches that had to be retried")
            .tag("reason", reason.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-')).register(registry).increment(count);
    }
}
