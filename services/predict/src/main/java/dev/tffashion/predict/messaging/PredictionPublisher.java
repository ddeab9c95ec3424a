package dev.tffashion.predict.messaging;

import java.util.List;
import java.util.concurrent.CompletableFuture;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.OnOverflow;

import dev.tffashion.pipeline.AnnotatedValue;
import dev.tffashion.pipeline.quarkus.AcknowledgedSend;

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
        return AcknowledgedSend.sendAll(emitter, values);
    }
}
