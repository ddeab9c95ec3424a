package dev.tffashion.pipeline.quarkus.task;

import java.util.List;
import java.util.Map;

import dev.tffashion.pipeline.RefusedException;
import io.smallrye.reactive.messaging.kafka.KafkaRecord;

/**
 * A service's domain part of a batch task: how a record is read and what is made of the inputs. The {@link TaskRunner} does the rest
 * (publishing until acknowledged, dead letters, acknowledgement, status and metrics).
 *
 * @param <I> what {@link #parse} makes of a record
 */
public interface BatchTask<I> {

    /**
     * Reads one record (usually through {@code ValueRecords.decode}).
     *
     * @throws RefusedException when the record can never be worked on; it is dead-lettered alone with the code
     */
    I parse(KafkaRecord<String, byte[]> record);

    /**
     * Works on the inputs of one batch and tells each input's outcome to {@code results}. May wait (for a model, for a server) as long
     * as it needs; throws {@link TaskStoppedException} when the service stops first, and the batch then stays unacknowledged.
     */
    void work(List<I> inputs, Results<I> results);

    /** Called once Kafka acknowledged the batch's values and dead letters, just before the batch is acknowledged. */
    default void acknowledged(Results<I> results) {
    }

    /** Task-specific details of the status reported after a batch (the last model used, the last class, ...). */
    default Map<String, Object> details(Results<I> results) {
        return Map.of();
    }
}
