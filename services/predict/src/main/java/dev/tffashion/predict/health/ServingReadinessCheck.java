package dev.tffashion.predict.health;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

import dev.tffashion.predict.Endpoint;
import dev.tffashion.predict.client.PredictionClient;
import dev.tffashion.predict.config.PredictConfig;
import dev.tffashion.predict.messaging.EndpointWatcher;
import dev.tffashion.tfserving.client.ServingSignature;

/**
 * Readiness "the served model answers": UP with {@code state=waiting} while serve has announced no model yet (predict waits, which
 * is not a fault), UP with the model's signature when TF Serving answers GetModelMetadata for the announced model, DOWN with the
 * reason when it does not. Kafka's own readiness comes from Quarkus' Kafka and messaging checks.
 */
@Readiness
@ApplicationScoped
public class ServingReadinessCheck implements HealthCheck {

    static final String NAME = "tf-serving model";
    /** The longest a failed probe is reused. */
    static final Duration FAILURE_REUSE = Duration.ofSeconds(1);

    @Inject
    EndpointWatcher endpoints;

    @Inject
    PredictionClient client;

    @Inject
    PredictConfig config;

    private volatile Probe last;

    /** A cached probe result. */
    private record Probe(Endpoint endpoint, long at, ServingSignature signature, String failure) {
    }

    @Override
    public HealthCheckResponse call() {
        HealthCheckResponseBuilder response = HealthCheckResponse.named(NAME);
        var endpoint = endpoints.current();
        if (endpoint.isEmpty()) {
            return response.up().withData("state", "waiting")
                .withData("reason", endpoints.caughtUp() ? "no model is served yet; tensors wait on Kafka" : "reading the endpoint topic")
                .build();
        }
        Probe probe = probe(endpoint.get());
        response.withData("model", endpoint.get().describe()).withData("circuit", client.circuitState(endpoint.get()).name());
        if (probe.signature() != null) {
            return response.up().withData("state", "serving").withData("signature", probe.signature().describe()).build();
        }
        return response.down().withData("state", "waiting").withData("reason", probe.failure()).build();
    }

    /**
     * How long a probe's answer is reused: {@code predict.health.cache-for}, but a failure at most {@link #FAILURE_REUSE}, so that
     * predict reads ready soon after a model server that was still loading (as at {@code bin/tf-fashion up}) answers.
     */
    private Duration reuse(Probe probe) {
        Duration cacheFor = config.health().cacheFor();
        return probe.signature() != null || cacheFor.compareTo(FAILURE_REUSE) < 0 ? cacheFor : FAILURE_REUSE;
    }

    private Probe probe(Endpoint endpoint) {
        Probe cached = last;
        if (cached != null && cached.endpoint().equals(endpoint) && System.nanoTime() - cached.at() < reuse(cached).toNanos()) {
            return cached;
        }
        Probe fresh;
        try {
            fresh = new Probe(endpoint, System.nanoTime(), client.probe(endpoint, config.health().deadline()), null);
        } catch (RuntimeException e) {
            fresh = new Probe(endpoint, System.nanoTime(), null, e.getMessage());
        }
        last = fresh;
        return fresh;
    }
}
