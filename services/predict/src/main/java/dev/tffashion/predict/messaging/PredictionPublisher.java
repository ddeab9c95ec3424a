package dev.tffashion.predict.messaging;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.OnOverflow;

import dev.tffashion.pipeline.AnnotatedValue;

/**
 * The channel of predictions, {@code <pipeline>.predict.prediction} ({@value Channels#PREDICTIONS}): the task runtime publishes each
 * batch's predictions on it, keyed by value id, and acknowledges the tensors only after Kafka acknowledged them.
 */
@ApplicationScoped
public class PredictionPublisher {

    @Inject
    @Channel(Channels.PREDICTIONS)
    @OnOverflow(OnOverflow.Strategy.UNBOUNDED_BUFFER)
    Emitter<AnnotatedValue> emitter;

    /** The emitter of the predictions channel. */
    public Emitter<AnnotatedValue> emitter() {
        return emitter;
    }
}
