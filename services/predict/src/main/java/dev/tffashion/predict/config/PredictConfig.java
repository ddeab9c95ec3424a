package dev.tffashion.predict.config;

import java.time.Duration;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Settings of the predict service, under {@code predict.*}. */
@ConfigMapping(prefix = "predict")
public interface PredictConfig {

    /**
     * Most tensors classified by one Predict call: what one Kafka poll brings, up to this many (also the tensor channel's
     * {@code max.poll.records}).
     */
    @WithDefault("32")
    int batchSize();

    /** The gRPC client of TF Serving. */
    Grpc grpc();

    /** Waiting for a model, or for TF Serving to come back. */
    Waiting waiting();

    /** How long a batch waits for Kafka to acknowledge its predictions and dead letters before it is tried again. */
    @WithDefault("30s")
    Duration publishTimeout();

    /** The readiness check of the served model. */
    Health health();

    /** TF Serving's gRPC API (through libs/tfserving-client): deadline, channel, retries, circuit breaker. */
    interface Grpc {
        /** Deadline of each GetModelMetadata and Predict call. */
        @WithDefault("5s")
        Duration deadline();

        /** Largest gRPC message accepted from TF Serving, in bytes (signatures of big models can be large). */
        @WithDefault("16777216")
        int maxInboundMessageSize();

        /**
         * How long a connection stays quiet before predict pings it, so that a server gone away is noticed before the next batch
         * waits for its deadline; TF Serving refuses pings more often than every 5 minutes without calls in flight. 0 turns pings off.
         */
        @WithDefault("5m")
        Duration keepAliveTime();

        /** How long a keep-alive ping may stay unanswered before the connection is closed. */
        @WithDefault("20s")
        Duration keepAliveTimeout();

        /** Retries of a call TF Serving did not answer (UNAVAILABLE, DEADLINE_EXCEEDED, busy). */
        Retry retry();

        /** The circuit breaker around TF Serving. */
        CircuitBreaker circuitBreaker();
    }

    /** Retry with exponential backoff and jitter (SmallRye Fault Tolerance) while TF Serving does not answer. */
    interface Retry {
        /** Attempts per call, the first included. */
        @WithDefault("4")
        int maxAttempts();

        /** Pause before the first retry; doubled for each next one. */
        @WithDefault("100ms")
        Duration initialBackoff();

        /** Longest pause between two attempts. */
        @WithDefault("2s")
        Duration maxBackoff();
    }

    /**
     * The circuit breaker of each TF Serving target (SmallRye Fault Tolerance): opens after attempts in a row that TF Serving did not
     * answer, fails calls fast while open, then lets a trial call through. NOT_FOUND and a refused tensor are answers.
     */
    interface CircuitBreaker {
        /** Attempts in a row, each retry counted, that TF Serving did not answer before the circuit opens (0: no breaker). */
        @WithDefault("8")
        int failureThreshold();

        /** How long the circuit stays open before a trial call. */
        @WithDefault("5s")
        Duration openFor();
    }

    /** How a batch waits while no model is served or TF Serving does not answer. */
    interface Waiting {
        /** First pause before a batch is tried again after TF Serving failed it; doubled up to {@link #maxBackoff()}. */
        @WithDefault("500ms")
        Duration initialBackoff();

        /** Longest pause between two tries of a waiting batch (a new endpoint ends the pause at once). */
        @WithDefault("10s")
        Duration maxBackoff();

        /** How often the {@code waiting} status is republished while nothing changes. */
        @WithDefault("30s")
        Duration statusInterval();
    }

    /** Readiness: "has an endpoint and the model answers". */
    interface Health {
        /** Deadline of the readiness probe's GetModelMetadata call. */
        @WithDefault("2s")
        Duration deadline();

        /** How long a probe's answer is reused before the model is asked again. */
        @WithDefault("5s")
        Duration cacheFor();
    }
}
