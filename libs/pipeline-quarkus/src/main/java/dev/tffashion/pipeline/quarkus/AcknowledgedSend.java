package dev.tffashion.pipeline.quarkus;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.Metadata;

import dev.tffashion.pipeline.AnnotatedValue;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;

/** Sends an annotated value on an emitter's channel, keyed by its id, and returns only once Kafka acknowledged it. */
public final class AcknowledgedSend {

    private AcknowledgedSend() {
    }

    /** Why a value was not acknowledged: refused, timed out or interrupted; the message names the value. */
    public static final class NotAcknowledgedException extends RuntimeException {
        NotAcknowledgedException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * Sends and waits up to the timeout.
     *
     * @param what what the value is, for messages ("model", "endpoint", ...)
     * @throws NotAcknowledgedException when Kafka refused the value, did not acknowledge it in time, or the wait was interrupted
     */
    public static void send(Emitter<AnnotatedValue> emitter, AnnotatedValue value, Duration timeout, String what) {
        CompletableFuture<Void> acked = new CompletableFuture<>();
        Message<AnnotatedValue> message = Message.of(value,
                Metadata.of(OutgoingKafkaRecordMetadata.<String>builder().withKey(value.id()).build()))
                .withAck(() -> {
                    acked.complete(null);
                    return CompletableFuture.completedFuture(null);
                })
                .withNack(error -> {
                    acked.completeExceptionally(error);
                    return CompletableFuture.completedFuture(null);
                });
        try {
            emitter.send(message);
            acked.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new NotAcknowledgedException("interrupted while publishing " + what + " " + value.id(), e);
        } catch (ExecutionException e) {
            throw new NotAcknowledgedException("Kafka refused " + what + " " + value.id() + ": " + e.getCause().getMessage(),
                    e.getCause());
        } catch (TimeoutException e) {
            throw new NotAcknowledgedException("Kafka did not acknowledge " + what + " " + value.id() + " within "
                    + timeout.toSeconds() + " s", e);
        }
    }
}
