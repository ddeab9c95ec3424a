package dev.tffashion.filedrop.status;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import dev.tffashion.filedrop.messaging.LiveFeed;
import dev.tffashion.pipeline.Json;
import dev.tffashion.pipeline.graph.PipelineGraph;
import dev.tffashion.pipeline.quarkus.follow.FollowedRecord;
import dev.tffashion.pipeline.quarkus.follow.TopicFollower;
import dev.tffashion.pipeline.quarkus.follow.TopicFollowers;
import dev.tffashion.pipeline.status.StatusEvent;
import dev.tffashion.pipeline.status.TaskStatus;
import io.quarkus.runtime.StartupEvent;

/**
 * Every task's status per replica, from the compacted {@code <pipeline>.status} topic (key {@code <task>/<instance>}), read by a
 * {@link TopicFollower} of its own (all of the topic, no group), and aggregated per task ({@link TaskStatus#aggregate}): what
 * {@code GET /v1/pipeline} answers as {@code status} and what the live feed sends as {@code taskStatus} events.
 * <ul>
 * <li>A replica that has not been heard of (event or heartbeat) for {@code file-drop.status.stale-after} is stale: shown as gone,
 * and counted only when no replica of its task is live. One not heard of for {@code file-drop.status.forget-after} is dropped
 * (a pod replaced by a rolling update).</li>
 * <li>A tombstone (a record without value) removes its replica.</li>
 * <li>A record that is not a status event is skipped with a log line (the follower counts it).</li>
 * <li>The live feed gets a task's aggregate when one of its replicas reports something new (not a mere heartbeat) and when a
 * replica turns stale, once the board has read the topic to its end.</li>
 * </ul>
 */
@ApplicationScoped
public class TaskStatusBoard {

    private static final Logger LOG = Logger.getLogger(TaskStatusBoard.class);
    /** The live feed's event kind. */
    public static final String FEED_KIND = "taskStatus";

    @Inject
    PipelineGraph graph;

    @Inject
    TopicFollowers followers;

    @Inject
    LiveFeed feed;

    /** After how long without an event or heartbeat a replica counts as gone (about three heartbeats of 5 s). */
    @ConfigProperty(name = "file-drop.status.stale-after", defaultValue = "20s")
    Duration staleAfter;

    /** After how long without an event or heartbeat a replica is dropped from the board. */
    @ConfigProperty(name = "file-drop.status.forget-after", defaultValue = "1h")
    Duration forgetAfter;

    private final Map<String, Map<String, StatusEvent>> replicas = new ConcurrentHashMap<>();
    private final Map<String, String> published = new ConcurrentHashMap<>();
    private final ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "status-board");
        thread.setDaemon(true);
        return thread;
    });
    private volatile TopicFollower follower;
    private volatile boolean caughtUp;

    void start(@Observes StartupEvent event) {
        if (staleAfter.isZero() || staleAfter.isNegative() || forgetAfter.compareTo(staleAfter) < 0) {
            throw new IllegalArgumentException("file-drop.status.stale-after (" + staleAfter + ") must be above 0 and at most "
                    + "file-drop.status.forget-after (" + forgetAfter + ")");
        }
        follower = followers.follower("file-drop-status").topics(graph.statusTopic()).apply(this::apply).start();
        follower.caughtUp().thenRun(() -> {
            caughtUp = true;
            LOG.infof("status board caught up: %d tasks", replicas.size());
        });
        ticker.scheduleWithFixedDelay(this::tick, 1, 1, TimeUnit.SECONDS);
    }

    @PreDestroy
    void stop() {
        ticker.shutdownNow();
    }

    /** Applies one record of the status topic (also called by tests). */
    void apply(FollowedRecord record) {
        if (record.value() == null) {
            removeReplica(record.key());
            return;
        }
        StatusEvent event = Json.fromBytes(record.value(), StatusEvent.class);
        StatusEvent previous = replicas.computeIfAbsent(event.task(), t -> new ConcurrentHashMap<>()).put(replicaName(event), event);
        boolean heartbeatOnly = previous != null && previous.withHeartbeat(null).equals(event.withHeartbeat(null));
        if (!heartbeatOnly) {
            publish(event.task(), Instant.now(), true);
        }
    }

    private void removeReplica(String key) {
        if (key == null) {
            return;
        }
        int slash = key.indexOf(StatusEvent.KEY_SEPARATOR);
        String task = slash < 0 ? key : key.substring(0, slash);
        String instance = slash < 0 ? TaskStatus.UNNAMED : key.substring(slash + 1);
        Map<String, StatusEvent> ofTask = replicas.get(task);
        if (ofTask != null && ofTask.remove(instance) != null) {
            if (ofTask.isEmpty()) {
                replicas.remove(task);
            }
            publish(task, Instant.now(), true);
        }
    }

    private static String replicaName(StatusEvent event) {
        return event.instance() == null ? TaskStatus.UNNAMED : event.instance();
    }

    /** Publishes the aggregates whose replicas turned stale since, and forgets replicas gone for long. */
    private void tick() {
        try {
            Instant now = Instant.now();
            for (Map.Entry<String, Map<String, StatusEvent>> task : replicas.entrySet()) {
                task.getValue().values().removeIf(e -> Duration.between(e.lastSeen(), now).compareTo(forgetAfter) > 0);
                publish(task.getKey(), now, false);
            }
        } catch (RuntimeException e) {
            LOG.warnf("status board tick failed: %s", e.getMessage());
        }
    }

    private void publish(String task, Instant now, boolean always) {
        if (!caughtUp) {
            return;
        }
        Optional<TaskStatus> status = task(task, now);
        String shape = status.map(TaskStatusBoard::shape).orElse("");
        String before = published.put(task, shape);
        if (status.isPresent() && (always || !Objects.equals(before, shape))) {
            feed.publish(new LiveFeed.Change(FEED_KIND, status.get()));
        }
    }

    /** What a page shows of an aggregate apart from times and counters: it changes when a state or a replica's liveness does. */
    private static String shape(TaskStatus status) {
        StringBuilder text = new StringBuilder(status.state().wireName()).append('|').append(status.instance()).append('|')
                .append(status.stale()).append('|').append(status.reason());
        status.replicas().forEach(r -> text.append('|').append(r.instance()).append('=').append(r.state().wireName())
                .append(r.stale() ? "(stale)" : ""));
        return text.toString();
    }

    /** Each task's status across its replicas, as it stands now. */
    public Map<String, TaskStatus> status() {
        Instant now = Instant.now();
        Map<String, TaskStatus> all = new TreeMap<>();
        for (String task : replicas.keySet()) {
            task(task, now).ifPresent(status -> all.put(task, status));
        }
        return all;
    }

    /** One task's status across its replicas, or empty when none has reported. */
    public Optional<TaskStatus> task(String task) {
        return task(task, Instant.now());
    }

    private Optional<TaskStatus> task(String task, Instant now) {
        Map<String, StatusEvent> ofTask = replicas.get(task);
        if (ofTask == null || ofTask.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(TaskStatus.aggregate(task, ofTask.values(), now, staleAfter));
    }

    /** Whether the board has read the status topic to its end. */
    public boolean caughtUp() {
        return caughtUp;
    }
}
