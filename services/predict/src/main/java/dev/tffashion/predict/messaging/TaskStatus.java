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

/**
 * The predict task's waiting states on {@code <pipeline>.status}: {@code waiting} while no model is served or TF Serving does not
 * answer, {@code idle} once a model is announced, {@code failed} while the model cannot classify. The task runtime reports the
 * batches themselves. No throttle here: the status reporter coalesces the records of a task; a state is logged when it changes.
 */
@ApplicationScoped
public class TaskStatus {

    private static final Logger LOG = Logger.getLogger(TaskStatus.class);

    @Inject
    StatusReporter reporter;

    private TaskState lastState;
    private String lastReason;

    public void waiting(String reason) {
        report(TaskState.WAITING, reason, Map.of());
    }

    public void idle(String reason, Map<String, Object> details) {
        report(TaskState.IDLE, reason, details);
    }

    public void failed(String reason) {
        report(TaskState.FAILED, reason, Map.of());
    }

    /** The last status this instance published, or null. */
    public StatusEvent last() {
        return reporter.last(Predictions.TASK);
    }

    private void report(TaskState state, String reason, Map<String, Object> details) {
        synchronized (this) {
            if (state != lastState || !reason.equals(lastReason)) {
                if (state == TaskState.WAITING || state == TaskState.FAILED) {
                    LOG.warnf("predict is %s: %s", state.wireName(), reason);
                } else {
                    LOG.debugf("predict is %s: %s", state.wireName(), reason);
                }
            }
            lastState = state;
            lastReason = reason;
        }
        try {
            reporter.report(Predictions.TASK, state, reason, null, new LinkedHashMap<>(details));
        } catch (RuntimeException e) {
            LOG.warnf("could not publish the predict status (%s): %s", state.wireName(), e.getMessage());
        }
    }
}
