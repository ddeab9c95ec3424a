package dev.tffashion.pipeline.quarkus;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.Metadata;

import dev.tffashion.pipeline.AnnotatedValue;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;

/** Sends annotated values on an emitter's channel, keyed by their ids, and tells when Kafka has acknowledged them. */
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
        await(sendAll(emitter, List.of(value)), timeout, what + " " + value.id());
    }

    /**
     * Sends every value (keyed by its id) without waiting; the future completes once Kafka has acknowledged all of them, or
     * fails with the first refusal. Batches use it to wait once for many records instead of once per record.
     */
    public static CompletableFuture<Void> sendAll(Emitter<AnnotatedValue> emitter, List<AnnotatedValue> values) {
        List<CompletableFuture<Void>> acks = new ArrayList<>(values.size());
        for (AnnotatedValue value : values) {
            CompletableFuture<Void> acked = new CompletableFuture<>();
            acks.add(acked);
            emitter.send(Message.of(value, Metadata.of(OutgoingKafkaRecordMetadata.<String>builder().withKey(value.id()).build()))
                    .withAck(() -> {
                        acked.complete(null);
                        return CompletableFuture.completedFuture(null);
                    })
                    .withNack(error -> {
                        acked.completeExceptionally(error);
                        return CompletableFuture.completedFuture(null);
                    }));
        }
        return CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new));
    }

    /**
     * Waits up to the timeout for acknowledgements.
     *
     * @param what what was sent, for messages ("model 1234", "32 tensors", ...)
     * @throws NotAcknowledgedException when Kafka refused, did not acknowledge in time, or the wait was interrupted
     */
    public static void await(CompletableFuture<Void> acked, Duration timeout, String what) {
        try {
            acked.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new NotAcknowledgedException("interrupted while publishing " + what, e);
        } catch (ExecutionException e) {
            throw new NotAcknowledgedException("Kafka refused " + what + ": " + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new NotAcknowledgedException("Kafka did not acknowledge " + what + " within " + timeout.toSeconds() + " s", e);
        }
    }
}
