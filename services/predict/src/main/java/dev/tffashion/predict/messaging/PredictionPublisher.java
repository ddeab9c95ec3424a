package dev.tffashion.predict.messaging;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.Metadata;
import org.eclipse.microprofile.reactive.messaging.OnOverflow;

import dev.tffashion.pipeline.AnnotatedValue;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;

/**
 * Publishes predictions on {@code <pipeline>.predict.prediction} (channel {@value Channels#PREDICTIONS}), keyed by value id, and
 * tells when Kafka has acknowledged all of them (acks=all), so the tensors' offsets are committed only after that.
 */
@ApplicationScoped
public class PredictionPublisher {

    @Inject
    @Channel(Channels.PREDICTIONS)
    @OnOverflow(OnOverflow.Strategy.UNBOUNDED_BUFFER)
    Emitter<AnnotatedValue> emitter;

    /** Sends the values; the future completes when Kafka has acknowledged every one, or fails with the first error. */
    public CompletableFuture<Void> publish(List<AnnotatedValue> values) {
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
}
