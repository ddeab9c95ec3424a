package dev.tffashion.servemanager.messaging;

import java.time.Duration;

import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;

import dev.tffashion.pipeline.AnnotatedValue;
import dev.tffashion.pipeline.quarkus.AcknowledgedSend;
import dev.tffashion.pipeline.quarkus.task.TaskRunner;
import dev.tffashion.pipeline.quarkus.task.TaskRuntime;
import dev.tffashion.servemanager.ServeManager;

/**
 * The serve task's runner and its output channel: publishes endpoint values on {@code <pipeline>.serve.endpoint} (key = value id)
 * through the task runtime, which returns once Kafka acknowledged them and tries again while Kafka refuses them.
 */
@ApplicationScoped
public class EndpointPublisher {

    @Inject
    @Channel(Channels.ENDPOINTS)
    Emitter<AnnotatedValue> endpoints;

    @Inject
    TaskRuntime runtime;

    private TaskRunner runner;

    @PostConstruct
    void init() {
        runner = runtime.runner(ServeManager.TASK, endpoints);
    }

    /** The runner of the serve task (its consumer runs each model record through it). */
    TaskRunner runner() {
        return runner;
    }

    /**
     * Publishes and waits for the acknowledgement.
     *
     * @throws IllegalStateException when Kafka did not acknowledge within about the timeout
     */
    public void publish(AnnotatedValue value, Duration timeout) {
        try {
            runner.publish(value, "endpoint", timeout);
        } catch (AcknowledgedSend.NotAcknowledgedException e) {
            throw new IllegalStateException(e.getMessage(), e.getCause());
        }
    }
}
