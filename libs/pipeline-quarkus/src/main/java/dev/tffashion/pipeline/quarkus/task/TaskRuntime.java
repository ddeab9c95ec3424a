package dev.tffashion.pipeline.quarkus.task;

import java.util.function.BooleanSupplier;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.jboss.logging.Logger;

import dev.tffashion.pipeline.AnnotatedValue;
import dev.tffashion.pipeline.graph.PipelineGraph;
import dev.tffashion.pipeline.quarkus.PipelineConfig;
import dev.tffashion.pipeline.quarkus.StatusReporter;
import dev.tffashion.pipeline.quarkus.trace.PipelineTracing;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.ShutdownEvent;
import io.smallrye.reactive.messaging.kafka.transactions.KafkaTransactions;

/**
 * Makes the {@link TaskRunner}s of a service, wired to its status reporter, its meter registry and its shutdown: once Quarkus stops,
 * every runner stops retrying and leaves its batch unacknowledged for the next run. Settings under {@code tf-fashion.task.*}.
 */
@ApplicationScoped
public class TaskRuntime {

    /** The exit status of a service whose transactional producer was fenced: EX_TEMPFAIL, start it again. */
    public static final int FENCED_EXIT = 75;

    private static final Logger LOG = Logger.getLogger(TaskRuntime.class);

    @Inject
    StatusReporter status;

    @Inject
    MeterRegistry registry;

    @Inject
    PipelineGraph graph;

    @Inject
    PipelineConfig config;

    @Inject
    PipelineTracing tracing;

    private volatile boolean stopping;

    void stopping(@Observes ShutdownEvent event) {
        stopping = true;
    }

    @Inject
    Event<TaskFenced> fencedEvents;

    private void fenced(String task) {
        fencedEvents.fire(new TaskFenced(task));
        if (config.task().exitWhenFenced()) {
            LOG.errorf("a transactional producer was fenced: exiting with status %d so that the service is started again", FENCED_EXIT);
            Quarkus.asyncExit(FENCED_EXIT);
        }
    }

    /** True once the service stops. */
    public boolean stopping() {
        return stopping;
    }

    /** The delivery settings of {@code tf-fashion.task.*}, stopping with the service. */
    public TaskRunner.Delivery delivery() {
        PipelineConfig.Task task = config.task();
        return new TaskRunner.Delivery(task.publishTimeout(), new Backoff(task.backoff().initial(), task.backoff().max()),
            this::stopping);
    }

    /** A runner of the task that publishes on {@code output} (null when the work publishes itself), with the default delivery. */
    public TaskRunner runner(String task, Emitter<AnnotatedValue> output) {
        return runner(task, output, delivery());
    }

    /**
     * A runner whose batches run exactly once, in one Kafka transaction each (values, dead letters to the task's dead-letter topic
     * {@code <pipeline>.<task>.dlq}, consumed offsets), with the default delivery's backoff after an aborted transaction.
     */
    public TaskRunner runner(String task, KafkaTransactions<Object> outputs) {
        return runner(task, outputs, delivery());
    }

    /** A transactional runner with its own delivery (its backoff and stop check; the stop check still ends with the service). */
    public TaskRunner runner(String task, KafkaTransactions<Object> outputs, TaskRunner.Delivery delivery) {
        BooleanSupplier own = delivery.stopping();
        return new TaskRunner(task, outputs, graph.deadLetterTopic(task), StatusSink.of(status), registry, new TaskRunner.Delivery(
            delivery.timeout(), delivery.backoff(), () -> stopping || own.getAsBoolean()), () -> fenced(task)).traced(tracing);
    }

    /** A runner with its own delivery (its timeout, backoff and stop check still end with the service). */
    public TaskRunner runner(String task, Emitter<AnnotatedValue> output, TaskRunner.Delivery delivery) {
        BooleanSupplier own = delivery.stopping();
        return new TaskRunner(task, output, StatusSink.of(status), registry, new TaskRunner.Delivery(delivery.timeout(),
            delivery.backoff(), () -> stopping || own.getAsBoolean())).traced(tracing);
    }
}
