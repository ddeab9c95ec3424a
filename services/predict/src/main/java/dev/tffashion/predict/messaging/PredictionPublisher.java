package dev.tffashion.predict.messaging;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.reactive.messaging.Channel;

import io.smallrye.reactive.messaging.kafka.transactions.KafkaTransactions;

/**
 * The channel of predictions, {@code <pipeline>.predict.prediction} ({@value Channels#PREDICTIONS}), transactional: the task runtime
 * writes each batch's predictions (keyed by value id), its dead letters and its tensors' offsets in one Kafka transaction.
 */
@ApplicationScoped
public class PredictionPublisher {

    @Inject
    @Channel(Channels.PREDICTIONS)
    KafkaTransactions<Object> emitter;

    /** The transactional emitter of the predictions channel. */
    public KafkaTransactions<Object> emitter() {
        return emitter;
    }
}
