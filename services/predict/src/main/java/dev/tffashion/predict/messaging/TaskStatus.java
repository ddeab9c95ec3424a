package dev.tffashion.predict.messaging;

import java.util.LinkedHashMap;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import dev.tffashion.pipeline.quarkus.StatusReporter;
import dev.tffashion.pipeline.status.StatusEvent;
import dev.tffashion.pipeline.status.TaskState;
import dev.tffashion.predict.Predictions;
import dev.tffashion.predict.config.PredictConfig;

/**
 * The predict task's status on {@code <pipeline>.status}: {@code waiting} while no model is served or TF Serving does not answer,
 * {@code active} while a batch is classified, {@code succeeded} after it, {@code failed} while the model cannot classify. A state
 * repeated with the same reason is republished at most every {@code predict.waiting.status-interval}.
 */
@ApplicationScoped
public class TaskStatus {

    private static final Logger LOG = Logger.getLogger(TaskStatus.class);

    /** Counter of records read from the tensor topic. */
    public static final String CONSUMED = "consumed";
    /** Counter of predictions published. */
    public static final String PREDICTED = "predicted";
    /** Counter of records dead-lettered. */
    public static final String DEAD_LETTERED = "deadLettered";

    @Inject
    StatusReporter reporter;

    @Inject
    PredictConfig config;

    private TaskState lastState;
    private String lastReason;
    private long lastAt;

    public void waiting(String reason) {
        report(TaskState.WAITING, reason, Map.of());
    }

    public void idle(String reason, Map<String, Object> details) {
        report(TaskState.IDLE, reason, details);
    }

    public void active(String reason, Map<String, Object> details) {
        report(TaskState.ACTIVE, reason, details);
    }

    public void succeeded(String reason, Map<String, Object> details) {
        report(TaskState.SUCCEEDED, reason, details);
    }

    public void failed(String reason) {
        report(TaskState.FAILED, reason, Map.of());
    }

    public long increment(String counter, int by) {
        long total = 0;
        for (int i = 0; i < by; i++) {
            total = reporter.increment(Predictions.TASK, counter);
        }
        return total;
    }

    /** The last status this instance published, or null. */
    public StatusEvent last() {
        return reporter.last(Predictions.TASK);
    }

    private synchronized void report(TaskState state, String reason, Map<String, Object> details) {
        long now = System.nanoTime();
        boolean repeated = state == lastState && reason.equals(lastReason);
        if (repeated && now - lastAt < config.waiting().statusInterval().toNanos()) {
            return;
        }
        if (!repeated) {
            if (state == TaskState.WAITING || state == TaskState.FAILED) {
                LOG.warnf("predict is %s: %s", state.wireName(), reason);
            } else {
                LOG.debugf("predict is %s: %s", state.wireName(), reason);
            }
        }
        lastState = state;
        lastReason = reason;
        lastAt = now;
        try {
            reporter.report(Predictions.TASK, state, reason, null, new LinkedHashMap<>(details));
        } catch (RuntimeException e) {
            LOG.warnf("could not publish the predict status (%s): %s", state.wireName(), e.getMessage());
        }
    }
}
