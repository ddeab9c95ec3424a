package dev.tffashion.pipeline.status;

import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * A task's status across its replicas, aggregated from each replica's latest {@link StatusEvent}. Its fields read like one status
 * event (task, state, reason, progress, counters, updatedAt, details), so readers that know one status per task keep working;
 * {@code replicas} lists every replica with its own state.
 * <p>
 * The rule ({@link #aggregate}):
 * <ul>
 * <li>a replica is <em>stale</em> when it has not been heard of (event or heartbeat) for {@code staleAfter}: killed, or cut off
 * from Kafka. Stale replicas count only when no replica is live;</li>
 * <li>among the replicas that count, those whose state says what the work does (waiting, active, succeeded, failed) win over
 * idle ones, and idle ones over standby ones;</li>
 * <li>among those, the replica that reported last gives the state, reason, progress and details (one replica of a task behaves
 * as before: its latest event is the task's status);</li>
 * <li>counters are the sums over every known replica.</li>
 * </ul>
 *
 * @param instance the replica whose event gives the state
 * @param stale whether that replica is stale (no replica of the task is live)
 * @param replicas every known replica of the task, by instance name
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record TaskStatus(
        String task,
        TaskState state,
        String reason,
        Double progress,
        Map<String, Long> counters,
        Instant updatedAt,
        Map<String, Object> details,
        String instance,
        boolean stale,
        List<Replica> replicas) {

    /** The name shown for a replica whose events carry no instance (written before replicas had names). */
    public static final String UNNAMED = "-";

    /**
     * One replica of a task.
     *
     * @param lastSeen its latest heartbeat or event
     * @param stale not heard of for longer than the stale limit
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Replica(
            String instance,
            TaskState state,
            String reason,
            Double progress,
            Map<String, Long> counters,
            Instant updatedAt,
            Instant lastSeen,
            boolean stale) {
    }

    /**
     * Aggregates the latest events of a task's replicas (at least one, all of the same task) as they stand at {@code now}.
     *
     * @throws IllegalArgumentException when there is no event or an event of another task
     */
    public static TaskStatus aggregate(String task, Collection<StatusEvent> events, Instant now, Duration staleAfter) {
        if (events.isEmpty()) {
            throw new IllegalArgumentException("task " + task + " has no replica status to aggregate");
        }
        Map<String, Long> counters = new TreeMap<>();
        StatusEvent chosen = null;
        boolean chosenLive = false;
        for (StatusEvent event : events) {
            if (!task.equals(event.task())) {
                throw new IllegalArgumentException("a status event of task " + event.task() + " among those of " + task);
            }
            event.counters().forEach((name, value) -> counters.merge(name, value, Long::sum));
            boolean live = !stale(event, now, staleAfter);
            if (chosen == null || before(chosen, chosenLive, event, live)) {
                chosen = event;
                chosenLive = live;
            }
        }
        List<Replica> replicas = events.stream()
                .sorted(Comparator.comparing(e -> e.instance() == null ? UNNAMED : e.instance()))
                .map(e -> new Replica(e.instance() == null ? UNNAMED : e.instance(), e.state(), e.reason(), e.progress(), e.counters(),
                        e.updatedAt(), e.lastSeen(), stale(e, now, staleAfter)))
                .toList();
        return new TaskStatus(task, chosen.state(), chosen.reason(), chosen.progress(), counters, chosen.updatedAt(), chosen.details(),
                chosen.instance() == null ? UNNAMED : chosen.instance(), !chosenLive, replicas);
    }

    /** Whether a replica has not been heard of for longer than {@code staleAfter}. */
    public static boolean stale(StatusEvent event, Instant now, Duration staleAfter) {
        return Duration.between(event.lastSeen(), now).compareTo(staleAfter) > 0;
    }

    /** Whether {@code other} gives the task's state rather than {@code current}. */
    private static boolean before(StatusEvent current, boolean currentLive, StatusEvent other, boolean otherLive) {
        if (currentLive != otherLive) {
            return otherLive;
        }
        int rank = Integer.compare(rank(other.state()), rank(current.state()));
        if (rank != 0) {
            return rank > 0;
        }
        return other.updatedAt().isAfter(current.updatedAt());
    }

    private static int rank(TaskState state) {
        return state.working() ? 2 : state == TaskState.IDLE ? 1 : 0;
    }
}
