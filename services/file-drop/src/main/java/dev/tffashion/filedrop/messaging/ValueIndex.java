package dev.tffashion.filedrop.messaging;

import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import dev.tffashion.filedrop.messaging.DeadLetters.DeadLetter;
import dev.tffashion.pipeline.AnnotatedValue;
import dev.tffashion.pipeline.Json;
import dev.tffashion.pipeline.graph.PipelineGraph;
import dev.tffashion.pipeline.kafka.ValueRecords;
import dev.tffashion.pipeline.quarkus.follow.FollowedRecord;
import dev.tffashion.pipeline.quarkus.follow.TopicFollower;
import dev.tffashion.pipeline.quarkus.follow.TopicFollowers;
import dev.tffashion.pipeline.status.StatusEvent;
import io.quarkus.runtime.StartupEvent;

/**
 * file-drop's read model of the pipeline, rebuilt from Kafka at start-up and kept live by one {@link TopicFollower} over every
 * topic of the graph (all partitions, no consumer group, so every file-drop instance sees everything). It routes each record by
 * what its topic is in the graph (never by parsing the topic's name) to one of its parts:
 * <ul>
 * <li>{@link PipelineView}: values by id ({@code /v1/values}, lineage) and the image → tensor and image → prediction links;</li>
 * <li>{@link IdempotencyKeys}: the first drop of each task-scoped Idempotency-Key, while its value is in the view;</li>
 * <li>{@link DeadLetters}: the refused values of every task's {@code .dlq} topic;</li>
 * <li>the latest status of each task (the compacted {@code <pipeline>.status} topic);</li>
 * <li>{@link LiveFeed}: every change once the index has caught up (not the history read again at start), for the UI's live
 * feed, and a {@code caughtUp} event then.</li>
 * </ul>
 */
@ApplicationScoped
public class ValueIndex {

    private static final Logger LOG = Logger.getLogger(ValueIndex.class);

    /** What a followed topic holds. */
    private enum Kind { VALUES, STATUS, DEAD_LETTERS }

    @Inject
    PipelineGraph graph;

    @Inject
    TopicFollowers followers;

    @Inject
    LiveFeed feed;

    /** How many values the index keeps (oldest dropped first); the content stays in Kafka and the store. */
    @ConfigProperty(name = "file-drop.index.max-values", defaultValue = "50000")
    int maxValues;

    private PipelineView view;
    private final IdempotencyKeys idempotencyKeys = new IdempotencyKeys();
    private final DeadLetters deadLetters = new DeadLetters();
    private final Map<String, StatusEvent> status = new ConcurrentHashMap<>();
    private final Map<String, Kind> kinds = new HashMap<>();
    private final Map<String, String> deadLetterTask = new HashMap<>();
    private volatile TopicFollower follower;

    @PostConstruct
    void init() {
        view = new PipelineView(maxValues);
        for (PipelineGraph.Task task : graph.tasks()) {
            task.outputs().forEach(output -> kinds.put(graph.topic(task.name(), output.name()), Kind.VALUES));
            if (!task.inputs().isEmpty()) {
                String topic = graph.deadLetterTopic(task.name());
                kinds.put(topic, Kind.DEAD_LETTERS);
                deadLetterTask.put(topic, task.name());
            }
        }
        kinds.put(graph.statusTopic(), Kind.STATUS);
    }

    void start(@Observes StartupEvent event) {
        List<String> topics = graph.topics(1).stream().map(PipelineGraph.TopicSpec::name).toList();
        follower = followers.follower("file-drop-index").topics(topics).maxPollRecords(2000).apply(this::apply).start();
        follower.caughtUp().thenRun(() -> {
            feed.caughtUp(true);
            // Pages opened while the index was loading saw a partial snapshot: this tells them to load it again, whole.
            feed.publish(new LiveFeed.Change("caughtUp", Map.of("caughtUp", true, "values", view.size())));
            LOG.infof("value index caught up: %d values, %d task states, %d dead letters", view.size(), status.size(),
                deadLetters.size());
        });
    }

    private void apply(FollowedRecord record) {
        if (record.value() == null) {
            return;
        }
        Kind kind = kinds.get(record.topic());
        if (kind == Kind.STATUS) {
            StatusEvent event = Json.fromBytes(record.value(), StatusEvent.class);
            status.put(event.task(), event);
            publish(new LiveFeed.Change("status", event));
        } else if (kind == Kind.DEAD_LETTERS) {
            DeadLetter letter = deadLetters.add(deadLetterTask.get(record.topic()), record.key(), record.headers(), record.timestamp());
            publish(new LiveFeed.Change("deadLetter", letter));
        } else if (kind == Kind.VALUES) {
            add(ValueRecords.decode(record.headers(), record.value()));
        }
    }

    /** Adds a value (also called by the drop path, before the index reads it back from Kafka). */
    public void add(AnnotatedValue value) {
        PipelineView.Added added = view.add(value);
        if (added.evicted() != null) {
            idempotencyKeys.forget(added.evicted());
            deadLetters.forget(added.evicted().id());
        }
        if (added.isNew()) {
            idempotencyKeys.add(value);
            publish(new LiveFeed.Change("value", value));
        }
    }

    /**
     * Tells the live feed, once the index has caught up. Before, the records are history being read again (a restart): sent
     * live, they would replay old statuses on the page as if they happened now, and flood it; pages load the snapshot instead
     * when the {@code caughtUp} event comes.
     */
    private void publish(LiveFeed.Change change) {
        if (feed.caughtUp()) {
            feed.publish(change);
        }
    }

    public Optional<AnnotatedValue> get(String id) {
        return view.get(id);
    }

    /** The first value dropped with this task-scoped Idempotency-Key ({@code <task>/<key>}). */
    public Optional<AnnotatedValue> byIdempotencyKey(String taskScopedKey) {
        return idempotencyKeys.idOf(taskScopedKey).flatMap(view::get);
    }

    /** The tensor converted from a dropped image. */
    public Optional<AnnotatedValue> tensorOfImage(String imageId) {
        return view.tensorOfImage(imageId);
    }

    /** The prediction made from a dropped image, found through the prediction's own image lineage. */
    public Optional<AnnotatedValue> predictionOfImage(String imageId) {
        return view.predictionOfImage(imageId);
    }

    /** The dead letter recorded for a value id (the key of the refused record). */
    public Optional<DeadLetter> deadLetter(String id) {
        return deadLetters.of(id);
    }

    /** How many distinct values each task output has published, by task then output (see {@link PipelineView#counts()}). */
    public Map<String, Map<String, Long>> counts() {
        return view.counts();
    }

    public Map<String, StatusEvent> status() {
        return Map.copyOf(status);
    }

    /** The most recent values, newest first, optionally of one task. */
    public List<AnnotatedValue> recent(String task, int limit) {
        return view.recent(task, limit);
    }

    public Collection<DeadLetter> deadLetters() {
        return deadLetters.all();
    }

    /**
     * The dead letters of each task that refused any: {@code {count, latest}}, the latest being the most recent refusal (for
     * learn, a training run that failed). The page shows it after a restart, when the task's status no longer says so.
     */
    public Map<String, Map<String, Object>> deadLetterSummary() {
        Map<String, Map<String, Object>> summary = new TreeMap<>();
        for (DeadLetter letter : deadLetters.all()) {
            Map<String, Object> task = summary.computeIfAbsent(letter.task(), t -> new HashMap<>(Map.of("count", 0)));
            task.merge("count", 1, (a, b) -> (Integer) a + (Integer) b);
            DeadLetter latest = (DeadLetter) task.get("latest");
            if (latest == null || letter.at().isAfter(latest.at())) {
                task.put("latest", letter);
            }
        }
        return summary;
    }

    /** Whether the index has read every topic up to where it stood at start-up. */
    public boolean caughtUp() {
        TopicFollower f = follower;
        return f != null && f.isCaughtUp();
    }

    /** Topics of the graph that did not exist when the index last looked (the index is not caught up while there are any). */
    public Set<String> missingTopics() {
        TopicFollower f = follower;
        return f == null ? Set.of() : f.missingTopics();
    }

    /** Waits until the index has read every topic up to its end offsets at start-up; false when the time ran out. */
    public boolean awaitCaughtUp(Duration timeout) {
        TopicFollower f = follower;
        if (f == null) {
            return false;
        }
        try {
            f.caughtUp().toCompletableFuture().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (TimeoutException | ExecutionException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
