package dev.tffashion.pipeline.status;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * The status of one replica of a task, published on the compacted {@code <pipeline>.status} topic with the key
 * {@code <task>/<instance>} ({@link #key()}), so the latest event of each replica survives compaction, replicas do not overwrite
 * each other, and a reloaded UI can rebuild every replica's state from it. Readers that know only tasks read {@link #task()} as
 * before; {@link TaskStatus} aggregates the replicas of a task.
 *
 * @param instance the replica that reports ({@code tf-fashion.instance}, env {@code TF_FASHION_INSTANCE}); null in events
 *        written before replicas had names
 * @param progress fraction done in [0,1] for long jobs, else null
 * @param counters running totals of this replica, e.g. consumed, produced, failed
 * @param updatedAt when the replica reported this state (a state, reason, progress or counter change)
 * @param details task-specific facts, e.g. epoch, loss, accuracy, eta for training; version for serving
 * @param heartbeatAt when the replica last said it is alive with this event (it publishes its latest event again every
 *        {@code tf-fashion.status.heartbeat}); null in events written before heartbeats
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record StatusEvent(
        String task,
        TaskState state,
        String reason,
        Double progress,
        Map<String, Long> counters,
        Instant updatedAt,
        Map<String, Object> details,
        String instance,
        Instant heartbeatAt) {

    /** Separates task and instance in the record key. */
    public static final String KEY_SEPARATOR = "/";

    public StatusEvent {
        if (task == null || task.isBlank()) {
            throw new IllegalArgumentException("status event needs a task");
        }
        if (task.contains(KEY_SEPARATOR)) {
            throw new IllegalArgumentException("a task name cannot contain '" + KEY_SEPARATOR + "': " + task);
        }
        if (state == null) {
            throw new IllegalArgumentException("status event needs a state");
        }
        counters = counters == null ? Map.of() : Map.copyOf(counters);
        details = details == null ? Map.of() : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(details));
        updatedAt = updatedAt == null ? Instant.now() : updatedAt;
        instance = instance == null || instance.isBlank() ? null : instance;
    }

    /** An event of a replica without a name (as written before replicas had names). */
    public StatusEvent(String task, TaskState state, String reason, Double progress, Map<String, Long> counters, Instant updatedAt,
            Map<String, Object> details) {
        this(task, state, reason, progress, counters, updatedAt, details, null, null);
    }

    public static StatusEvent of(String task, TaskState state, String reason) {
        return new StatusEvent(task, state, reason, null, Map.of(), Instant.now(), Map.of());
    }

    /** The record key of a replica's status: {@code <task>/<instance>}, or the task alone for a replica without a name. */
    public static String key(String task, String instance) {
        return instance == null || instance.isBlank() ? task : task + KEY_SEPARATOR + instance;
    }

    /** This event's record key. */
    @JsonIgnore
    public String key() {
        return key(task, instance);
    }

    /** The same event with another heartbeat time (what a replica publishes again to say it is alive). */
    public StatusEvent withHeartbeat(Instant at) {
        return new StatusEvent(task, state, reason, progress, counters, updatedAt, details, instance, at);
    }

    /** The last time the replica was heard of: its heartbeat, or when it reported the state. */
    @JsonIgnore
    public Instant lastSeen() {
        return heartbeatAt != null && heartbeatAt.isAfter(updatedAt) ? heartbeatAt : updatedAt;
    }
}
