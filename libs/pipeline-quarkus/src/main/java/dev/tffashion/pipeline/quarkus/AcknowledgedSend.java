package dev.tffashion.pipeline.quarkus;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Supplier;

import org.apache.kafka.common.header.Headers;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.Metadata;

import dev.tffashion.pipeline.AnnotatedValue;
import dev.tffashion.pipeline.quarkus.task.Backoff;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;

/**
 * Sends annotated values on an emitter's channel, keyed by their ids, and tells when Kafka has acknowledged them; the one
 * "until acknowledged" loop of the pipeline ({@link #untilAcknowledged}) retries a send with a {@link Backoff} until Kafka
 * acknowledges it or the service stops.
 */
public final class AcknowledgedSend {

    private AcknowledgedSend() {
    }

    /** Why a value was not acknowledged: refused, timed out or interrupted; the message names the value. */
    public static final class NotAcknowledgedException extends RuntimeException {
        public NotAcknowledgedException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * Sends every value (keyed by its id) without waiting; the future completes once Kafka has acknowledged all of them, or
     * fails with the first refusal. Batches use it to wait once for many records instead of once per record.
     */
    public static CompletableFuture<Void> sendAll(Emitter<AnnotatedValue> emitter, List<AnnotatedValue> values) {
        return sendAll(emitter, values, null);
    }

    /**
     * The same as {@link #sendAll(Emitter, List)}, each value with its own extra record headers (its trace context): {@code headers}
     * is null, or has one entry per value, null where a value has none.
     */
    public static CompletableFuture<Void> sendAll(Emitter<AnnotatedValue> emitter, List<AnnotatedValue> values, List<Headers> headers) {
        List<CompletableFuture<Void>> acks = new ArrayList<>(values.size());
        for (int i = 0; i < values.size(); i++) {
            AnnotatedValue value = values.get(i);
            acks.add(send(emitter, Message.of(value, Metadata.of(metadata(value, headers == null ? null : headers.get(i))))));
        }
        return CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new));
    }

    /**
     * Sends one message on the emitter's channel without waiting; the future completes once Kafka has acknowledged it, or fails
     * with Kafka's refusal. What the emitter itself throws (its buffer full, the channel down) is thrown here.
     */
    public static <T> CompletableFuture<Void> send(Emitter<T> emitter, Message<T> message) {
        CompletableFuture<Void> acked = new CompletableFuture<>();
        emitter.send(message
                .withAck(() -> {
                    acked.complete(null);
                    return CompletableFuture.completedFuture(null);
                })
                .withNack(error -> {
                    acked.completeExceptionally(error);
                    return CompletableFuture.completedFuture(null);
                }));
        return acked;
    }

    /** The outgoing metadata of a value: keyed by its id, with the extra headers when there are some. */
    public static OutgoingKafkaRecordMetadata<String> metadata(AnnotatedValue value, Headers headers) {
        OutgoingKafkaRecordMetadata.OutgoingKafkaRecordMetadataBuilder<String> builder = OutgoingKafkaRecordMetadata.<String>builder()
            .withKey(value.id());
        if (headers != null) {
            builder.withHeaders(headers);
        }
        return builder.build();
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
            throw notAcknowledged(e.getCause(), timeout, what);
        } catch (CancellationException | TimeoutException e) {
            throw notAcknowledged(e, timeout, what);
        }
    }

    /**
     * Why a send failed, as a {@link NotAcknowledgedException}: refused (with Kafka's reason), not in time (a
     * {@link TimeoutException}), or cancelled.
     *
     * @param what what was sent, for messages ("drop 1234", ...)
     */
    public static NotAcknowledgedException notAcknowledged(Throwable error, Duration timeout, String what) {
        Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        if (cause instanceof TimeoutException) {
            return new NotAcknowledgedException("Kafka did not acknowledge " + what + " within " + timeout.toMillis() + " ms", cause);
        }
        if (cause instanceof CancellationException) {
            return new NotAcknowledgedException("the send of " + what + " was cancelled", cause);
        }
        return new NotAcknowledgedException("Kafka refused " + what + ": " + cause.getMessage(), cause);
    }

    /**
     * Sends (or dead-letters) and waits for Kafka's acknowledgement, trying again after each refusal or timeout, with the backoff
     * between tries, until Kafka acknowledges or the service stops. Each try calls {@code send} again, so a value whose first
     * acknowledgement was lost may be written twice; readers drop a value seen before by its id.
     *
     * @param what what is sent, for messages ("32 values", "the dead letter of 1234", ...)
     * @param send one try: sends and returns the future of its acknowledgement
     * @param timeout how long one try waits
     * @param stopping checked after each failed try: true ends the retries
     * @param onRetry told of each failed try before the wait (status, metrics)
     * @return true once acknowledged; false when the service stops or the thread is interrupted first
     */
    public static boolean untilAcknowledged(String what, Supplier<CompletableFuture<Void>> send, Duration timeout, Backoff backoff,
            BooleanSupplier stopping, Consumer<NotAcknowledgedException> onRetry) {
        Duration wait = backoff.initial();
        while (true) {
            try {
                CompletableFuture<Void> acked;
                try {
                    acked = send.get();
                } catch (RuntimeException e) {
                    acked = CompletableFuture.failedFuture(e);
                }
                await(acked, timeout, what);
                return true;
            } catch (NotAcknowledgedException e) {
                if (Thread.currentThread().isInterrupted()) {
                    return false;
                }
                onRetry.accept(e);
            }
            if (stopping.getAsBoolean() || !Backoff.pause(wait)) {
                return false;
            }
            wait = backoff.next(wait);
        }
    }
}
