package dev.tffashion.learn.messaging;

import dev.tffashion.learn.LearnException;
import dev.tffashion.pipeline.AnnotatedValue;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.Metadata;

/** Publishes model values on {@code <pipeline>.learn.model} (key = value id) and returns once Kafka acknowledged them (acks=all). */
@ApplicationScoped
public class ModelPublisher {

    @Inject
    @Channel(Channels.MODELS)
    Emitter<AnnotatedValue> models;

    /**
     * Publishes and waits for the acknowledgement.
     *
     * @throws LearnException (kind {@code publish}) when Kafka did not acknowledge within the timeout
     */
    public void publish(AnnotatedValue value, Duration timeout) {
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
            models.send(message);
            acked.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LearnException("publish", "interrupted while publishing model " + value.id(), e);
        } catch (ExecutionException e) {
            throw new LearnException("publish", "Kafka refused model " + value.id() + ": " + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new LearnException("publish", "Kafka did not acknowledge model " + value.id() + " within " + timeout.toSeconds()
                + " s", e);
        }
    }
}
