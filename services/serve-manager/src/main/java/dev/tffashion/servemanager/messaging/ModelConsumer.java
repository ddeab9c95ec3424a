package dev.tffashion.servemanager.messaging;

import java.util.concurrent.CompletionStage;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.reactive.messaging.Incoming;

import dev.tffashion.pipeline.quarkus.task.TaskRunner;
import dev.tffashion.servemanager.ServeManager;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.reactive.messaging.kafka.KafkaRecord;

/**
 * Consumes {@code <pipeline>.learn.model}, one model at a time on a worker thread, through the task runtime
 * ({@link TaskRunner#single}). A record that is not an annotated value, or a model that is refused ({@code ModelRejectedException}),
 * goes to {@code <pipeline>.serve.dlq} with its code and reason. The record is acknowledged (its offset committed) only after Kafka
 * acknowledged the endpoint value.
 */
@ApplicationScoped
public class ModelConsumer {

    @Inject
    ServeManager manager;

    @Inject
    EndpointPublisher publisher;

    @Incoming(Channels.MODELS)
    @Blocking
    public CompletionStage<Void> consume(KafkaRecord<String, byte[]> record) {
        return publisher.runner().single(record, TaskRunner::value, manager::handle, e -> manager.refusedRecord(e.getMessage()));
    }
}
