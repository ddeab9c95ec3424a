package dev.tffashion.predict.client;

import java.time.Duration;
import java.util.List;

import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import dev.tffashion.pipeline.quarkus.trace.PipelineTracing;
import dev.tffashion.predict.Endpoint;
import dev.tffashion.predict.ModelNotLoadedException;
import dev.tffashion.predict.RejectedInputException;
import dev.tffashion.predict.ServingFailedException;
import dev.tffashion.predict.ServingUnavailableException;
import dev.tffashion.predict.config.PredictConfig;
import dev.tffashion.tfserving.client.FloatBatch;
import dev.tffashion.tfserving.client.ModelRef;
import dev.tffashion.tfserving.client.Scores;
import dev.tffashion.tfserving.client.ServingSignature;
import dev.tffashion.tfserving.client.TfServingConnection;
import dev.tffashion.tfserving.client.TfServingConnections;
import dev.tffashion.tfserving.client.TfServingException;
import dev.tffashion.tfserving.client.TfServingSettings;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Scope;
import io.opentelemetry.instrumentation.grpc.v1_6.GrpcTelemetry;
import io.smallrye.faulttolerance.api.CircuitBreakerState;

/**
 * Predict's use of the shared TF Serving client (libs/tfserving-client): one connection per endpoint target with
 * {@code predict.grpc.*}'s deadline, retries and circuit breaker, and the library's failures turned into predict's domain exceptions,
 * which the tensor consumer acts on: {@link ServingUnavailableException} (wait), {@link ModelNotLoadedException} (wait for a new
 * endpoint), {@link RejectedInputException} (dead-letter the tensor), {@link ServingFailedException} (report failed, retry slowly).
 */
@ApplicationScoped
public class PredictionClient {

    @Inject
    PredictConfig config;

    @Inject
    PipelineTracing tracing;

    private TfServingConnections connections;

    @PostConstruct
    void open() {
        // Traced: a client span per gRPC call, the caller's trace context sent to the model server in the call's metadata
        connections = new TfServingConnections(settings(config.grpc()), tracing.on()
            ? List.of(GrpcTelemetry.create(tracing.openTelemetry()).newClientInterceptor()) : List.of());
    }

    /** The library's settings from {@code predict.grpc.*}. */
    static TfServingSettings settings(PredictConfig.Grpc grpc) {
        return new TfServingSettings(grpc.deadline(),
            new TfServingSettings.Channel(grpc.maxInboundMessageSize(), grpc.keepAliveTime(), grpc.keepAliveTimeout()),
            new TfServingSettings.Retry(grpc.retry().maxAttempts(), grpc.retry().initialBackoff(), grpc.retry().maxBackoff()),
            new TfServingSettings.Breaker(grpc.circuitBreaker().failureThreshold(), grpc.circuitBreaker().openFor()));
    }

    /** The endpoint's signature (GetModelMetadata) and the version that answered; retried and guarded by the circuit breaker. */
    public ServingSignature metadata(Endpoint endpoint) {
        try {
            return connection(endpoint).metadata(ref(endpoint), endpoint.inputName(), endpoint.outputName());
        } catch (TfServingException e) {
            throw domain(e);
        }
    }

    /** Asks once, without retries and outside the circuit breaker, whether the model answers (readiness). */
    public ServingSignature probe(Endpoint endpoint, Duration deadline) {
        try {
            return connection(endpoint).probe(ref(endpoint), endpoint.inputName(), endpoint.outputName(), deadline);
        } catch (TfServingException e) {
            throw domain(e);
        }
    }

    /** Classifies a batch of same-shaped instances in one Predict call on the signature's version. */
    public Scores predict(Endpoint endpoint, ServingSignature model, FloatBatch batch) {
        Span span = tracing.start("Predict");
        try (Scope traced = span.makeCurrent()) {
            span.setAttribute(PipelineTracing.BATCH_SIZE, (long) batch.instances());
            return connection(endpoint).predict(model, batch);
        } catch (TfServingException e) {
            span.setStatus(StatusCode.ERROR, e.getMessage());
            throw domain(e);
        } finally {
            span.end();
        }
    }

    /** The state of the circuit breaker of an endpoint's target (closed when never called). */
    public CircuitBreakerState circuitState(Endpoint endpoint) {
        return connections.find(endpoint.grpcTarget()).map(TfServingConnection::circuitState).orElse(CircuitBreakerState.CLOSED);
    }

    /** Closes the connections to every target but the given one (a new endpoint moved to another TF Serving). */
    public void retainOnly(String target) {
        connections.retainOnly(target);
    }

    private TfServingConnection connection(Endpoint endpoint) {
        return connections.get(endpoint.grpcTarget());
    }

    private static ModelRef ref(Endpoint endpoint) {
        return new ModelRef(endpoint.modelName(), endpoint.modelVersion(), endpoint.signatureName());
    }

    /** The library's failure as the domain exception the tensor consumer acts on. */
    static RuntimeException domain(TfServingException e) {
        return switch (e.kind()) {
            case UNAVAILABLE -> new ServingUnavailableException(e.getMessage(), e);
            case MODEL_NOT_LOADED -> new ModelNotLoadedException(e.getMessage(), e);
            case REJECTED -> new RejectedInputException("TF Serving refused the tensor: " + e.getMessage(), e);
            case FAILED -> new ServingFailedException(e.getMessage(), e);
        };
    }

    @PreDestroy
    void close() {
        connections.close();
    }
}
