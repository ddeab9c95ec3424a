package dev.tffashion.servemanager.messaging;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.Metadata;

import dev.tffashion.pipeline.AnnotatedValue;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;

/** Publishes endpoint values on {@code <pipeline>.serve.endpoint} (key = value id) and returns once Kafka acknowledged them (acks=all). */
@ApplicationScoped
public class EndpointPublisher {

    @Inject
    @Channel(Channels.ENDPOINTS)
    Emitter<AnnotatedValue> endpoints;

    /**
     * Publishes and waits for the acknowledgement.
     *
     * @throws IllegalStateException when Kafka did not acknowledge within the timeout
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
            endpoints.send(message);
            acked.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while publishing endpoint " + value.id(), e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("Kafka refused endpoint " + value.id() + ": " + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("Kafka did not acknowledge endpoint " + value.id() + " within " + timeout.toSeconds() + " s",
                    e);
        }
    }
}
