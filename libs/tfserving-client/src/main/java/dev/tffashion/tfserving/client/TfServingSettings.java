package dev.tffashion.tfserving.client;

import java.time.Duration;

/**
 * How a caller talks to TF Serving: the deadline of each call, the channel, and the fault tolerance of guarded calls. Each service
 * fills it from its own configuration.
 *
 * @param deadline the deadline of each gRPC call
 * @param channel the gRPC channel's settings
 * @param retry retries of a call the server did not answer ({@link Retry#NONE} for none)
 * @param breaker the circuit breaker of each target ({@link Breaker#NONE} for none)
 */
public record TfServingSettings(Duration deadline, Channel channel, Retry retry, Breaker breaker) {

    public TfServingSettings {
        requirePositive("deadline", deadline);
    }

    /** Calls with a deadline over a default channel, without retries or circuit breaker (the caller polls on its own). */
    public static TfServingSettings plain(Duration deadline) {
        return new TfServingSettings(deadline, Channel.DEFAULT, Retry.NONE, Breaker.NONE);
    }

    /**
     * The gRPC channel.
     *
     * @param maxInboundMessageSize largest message accepted from the server, in bytes (signatures of big models can be large)
     * @param keepAliveTime how long a connection stays quiet before the client pings it, so a dead server or a dropped connection is
     *        noticed before the next call's deadline; no shorter than the server allows (TF Serving and grpc-java servers refuse
     *        pings more often than every 5 minutes without calls in flight), zero for no pings
     * @param keepAliveTimeout how long a ping may stay unanswered before the connection is closed
     */
    public record Channel(int maxInboundMessageSize, Duration keepAliveTime, Duration keepAliveTimeout) {

        /** 64 MiB messages; a ping after 5 minutes without traffic, 20 s to answer it. */
        public static final Channel DEFAULT = new Channel(64 * 1024 * 1024, Duration.ofMinutes(5), Duration.ofSeconds(20));

        public Channel {
            if (maxInboundMessageSize < 1) {
                throw new IllegalArgumentException("the largest inbound gRPC message must be at least 1 byte, got "
                    + maxInboundMessageSize);
            }
            if (keepAliveTime.isNegative()) {
                throw new IllegalArgumentException("the gRPC keep-alive time must not be negative, got " + keepAliveTime);
            }
            requirePositive("the gRPC keep-alive timeout", keepAliveTimeout);
        }
    }

    /**
     * Retries of a call the server did not answer ({@link TfServingException.Kind#UNAVAILABLE}), with exponential backoff and jitter.
     *
     * @param maxAttempts attempts per call, the first included (1: no retry)
     * @param initialBackoff the pause before the first retry, doubled for each next one
     * @param maxBackoff the longest pause
     */
    public record Retry(int maxAttempts, Duration initialBackoff, Duration maxBackoff) {

        /** One attempt per call. */
        public static final Retry NONE = new Retry(1, Duration.ZERO, Duration.ZERO);

        public Retry {
            if (maxAttempts < 1) {
                throw new IllegalArgumentException("retry max-attempts must be at least 1 (the first attempt), got " + maxAttempts);
            }
            if (initialBackoff.isNegative() || maxBackoff.compareTo(initialBackoff) < 0) {
                throw new IllegalArgumentException("retry backoff must satisfy 0 <= initial-backoff (" + initialBackoff
                    + ") <= max-backoff (" + maxBackoff + ")");
            }
        }
    }

    /**
     * The circuit breaker of one target: opens after this many attempts in a row the server did not answer (each retry counts),
     * fails calls fast while open, then lets a trial call through after {@code openFor}.
     *
     * @param failureThreshold attempts in a row that open the circuit (0: no circuit breaker)
     * @param openFor how long the circuit stays open before a trial call
     */
    public record Breaker(int failureThreshold, Duration openFor) {

        /** No circuit breaker. */
        public static final Breaker NONE = new Breaker(0, Duration.ZERO);

        public Breaker {
            if (failureThreshold < 0) {
                throw new IllegalArgumentException("circuit-breaker failure-threshold must be 0 (none) or more, got " + failureThreshold);
            }
            if (failureThreshold > 0) {
                requirePositive("circuit-breaker open-for", openFor);
            }
        }
    }

    private static void requirePositive(String what, Duration duration) {
        if (duration == null || duration.isNegative() || duration.isZero()) {
            throw new IllegalArgumentException(what + " must be a positive duration, got " + duration);
        }
    }
}
