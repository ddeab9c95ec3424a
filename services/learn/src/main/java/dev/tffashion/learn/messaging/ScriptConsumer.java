package dev.tffashion.learn.messaging;

import dev.tffashion.learn.Learner;
import dev.tffashion.pipeline.quarkus.task.TaskRunner;
import io.smallrye.reactive.messaging.annotations.Blocking;
import io.smallrye.reactive.messaging.kafka.KafkaRecord;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.concurrent.CompletionStage;
import org.eclipse.microprofile.reactive.messaging.Incoming;

/**
 * Consumes {@code <pipeline>.scriptInput.droppedFile}: one recipe or script at a time, on the single-thread worker pool
 * {@code learn}, through the task runtime ({@link TaskRunner#single}). A record that is not an annotated value, or a script that
 * does not become a model ({@code LearnException}), goes to {@code <pipeline>.learn.dlq} with its code and reason. The record is
 * acknowledged (its offset committed) only after Kafka acknowledged the model value; a training cut short by a stop is left for the
 * next run.
 */
@ApplicationScoped
public class ScriptConsumer {

    @Inject
    Learner learner;

    @Inject
    ModelPublisher publisher;

    @Incoming(Channels.SCRIPTS)
    @Blocking("learn")
    public CompletionStage<Void> consume(KafkaRecord<String, byte[]> record) {
        return publisher.runner().single(record, TaskRunner::value, learner::learn, e -> learner.refusedRecord(e.getMessage()));
    }
}
