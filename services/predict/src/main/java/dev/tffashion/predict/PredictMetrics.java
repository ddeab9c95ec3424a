package dev.tffashion.predict;

import java.time.Duration;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * The service's Micrometer meters, registered once: {@code tffashion.predict.predictions} (counter, by model and version),
 * {@code tffashion.predict.call.latency} (timer of each Predict call), {@code tffashion.predict.call.size} (tensors per call),
 * {@code tffashion.predict.end.to.end} (timer from the tensor record's timestamp to the prediction acknowledged by Kafka) and
 * {@code tffashion.predict.failures} (counter, by reason).
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

    // The meters, registered once: a builder's register() looks the meter up by name and tags on every call, which was 3 % of
    // predict's workers (JFR; end.to.end is recorded for every prediction).
    private Timer callLatency;
    private DistributionSummary callSize;
    private Timer endToEnd;
    private final Map<Failure, Counter> failures = new EnumMap<>(Failure.class);
    private final Map<String, Counter> predictions = new ConcurrentHashMap<>();

    @PostConstruct
    void register() {
        callLatency = Timer.builder("tffashion.predict.call.latency").description("Duration of one TF Serving Predict call (one batch)")
            .publishPercentileHistogram().register(registry);
        callSize = DistributionSummary.builder("tffashion.predict.call.size").description("Tensors per Predict call")
            .register(registry);
        endToEnd = Timer.builder("tffashion.predict.end.to.end")
            .description("From the tensor record's timestamp to its prediction acknowledged by Kafka")
            .publishPercentileHistogram().register(registry);
        for (Failure reason : Failure.values()) {
            failures.put(reason, Counter.builder("tffashion.predict.failures")
                .description("Tensors dead-lettered or batches that had to be retried")
                .tag("reason", reason.name().toLowerCase(Locale.ROOT).replace('_', '-')).register(registry));
        }
    }

    public void predicted(String model, long version, int count) {
        predictions.computeIfAbsent(model + '\u0000' + version, key -> Counter.builder("tffashion.predict.predictions")
            .description("Tensors classified and published").tag("model", model).tag("version", Long.toString(version))
            .register(registry)).increment(count);
    }

    public void predictCall(Duration duration, int instances) {
        callLatency.record(duration);
        callSize.record(instances);
    }

    public void endToEnd(Duration duration) {
        endToEnd.record(duration);
    }

    public void failed(Failure reason, int count) {
        failures.get(reason).increment(count);
    }
}
