package dev.tffashion.learn.messaging;

import dev.tffashion.learn.LearnException;
import dev.tffashion.learn.Learner;
import dev.tffashion.pipeline.AnnotatedValue;
import dev.tffashion.pipeline.quarkus.AcknowledgedSend;
import dev.tffashion.pipeline.quarkus.task.TaskRunner;
import dev.tffashion.pipeline.quarkus.task.TaskRuntime;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;

/**
 * The learn task's runner and its output channel: publishes model values on {@code <pipeline>.learn.model} (key = value id) through
 * the task runtime, which returns once Kafka acknowledged them and tries again while Kafka refuses them.
 */
@ApplicationScoped
public class ModelPublisher {

    @Inject
    @Channel(Channels.MODELS)
    Emitter<AnnotatedValue> models;

    @Inject
    TaskRuntime runtime;

    private TaskRunner runner;

    @PostConstruct
    void init() {
        runner = runtime.runner(Learner.TASK, models);
    }

    /** The runner of the learn task (its consumer runs each script record through it). */
    TaskRunner runner() {
        return runner;
    }

    /**
     * Publishes and waits for the acknowledgement.
     *
     * @throws LearnException (code {@code publish}) when Kafka did not acknowledge within about the timeout
     */
    public void publish(AnnotatedValue value, Duration timeout) {
        try {
            runner.publish(value, "model", timeout);
        } catch (AcknowledgedSend.NotAcknowledgedException e) {
            throw new LearnException("publish", e.getMessage(), e.getCause());
        }
    }
}
