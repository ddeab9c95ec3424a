package dev.tffashion.filedrop.messaging;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.Metadata;

import dev.tffashion.pipeline.quarkus.AcknowledgedSend;
import dev.tffashion.pipeline.quarkus.AcknowledgedSend.NotAcknowledgedException;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;

/**
 * The small keyed writes of file-drop's API that are not drops (a replay request, a rollout command): one record on an emitter's
 * channel, and a future of Kafka's acknowledgement that fails when Kafka refused the record or did not acknowledge it in time. No
 * thread waits meanwhile, so a frozen broker does not use up the worker threads.
 */
public final class KeyedCommands {

    private KeyedCommands() {
    }

    /**
     * Sends the record, keyed, without waiting. The future completes once Kafka has acknowledged it, or fails with a
     * {@link NotAcknowledgedException} (itself, not wrapped) that says why; it completes on Kafka's or the JDK's timer thread, so
     * what depends on it must be short.
     *
     * @param what the record, for messages ("the replay request r-1", ...)
     */
    public static CompletableFuture<Void> send(Emitter<byte[]> emitter, String key, byte[] value, Duration timeout, String what) {
        CompletableFuture<Void> acked;
        try {
            acked = AcknowledgedSend.send(emitter, Message.of(value,
                Metadata.of(OutgoingKafkaRecordMetadata.<String>builder().withKey(key).build())));
        } catch (RuntimeException e) {
            // the emitter's buffer is full, or the channel is down
            acked = CompletableFuture.failedFuture(e);
        }
        CompletableFuture<Void> result = new CompletableFuture<>();
        acked.orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS).whenComplete((ok, error) -> {
            if (error == null) {
                result.complete(null);
            } else {
                result.completeExceptionally(AcknowledgedSend.notAcknowledged(error, timeout, what));
            }
        });
        return result;
    }
}
