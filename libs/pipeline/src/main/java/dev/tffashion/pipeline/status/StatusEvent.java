package dev.tffashion.pipeline.status;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * A task's status, published on the compacted {@code <pipeline>.status} topic with the task name as key, so the latest event of
 * each task survives compaction and a reloaded UI can rebuild its state from it.
 *
 * @param progress fraction done in [0,1] for long jobs, else null
 * @param counters running totals, e.g. consumed, produced, failed
 * @param details task-specific facts, e.g. epoch, loss, accuracy, eta for training; version for serving
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record StatusEvent(
        String task,
        TaskState state,
        String reason,
        Double progress,
        Map<String, Long> counters,
        Instant updatedAt,
        Map<String, Object> details) {

    public StatusEvent {
        if (task == null || task.isBlank()) {
            throw new IllegalArgumentException("status event needs a task");
        }
        if (state == null) {
            throw new IllegalArgumentException("status event needs a state");
        }
        counters = counters == null ? Map.of() : Map.copyOf(counters);
        details = details == null ? Map.of() : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(details));
        updatedAt = updatedAt == null ? Instant.now() : updatedAt;
    }

    public static StatusEvent of(String task, TaskState state, String reason) {
        return new StatusEvent(task, state, reason, null, Map.of(), Instant.now(), Map.of());
    }
}
