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
import java.util.concurrent.atomic.AtomicLong;

import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.jboss.logging.Logger;

import dev.tffashion.filedrop.config.FileDropConfig;
import dev.tffashion.filedrop.messaging.DeadLetters.DeadLetter;
import dev.tffashion.pipeline.AnnotatedValue;
import dev.tffashion.pipeline.Json;
import dev.tffashion.pipeline.MalformedValueException;
import dev.tffashion.pipeline.graph.PipelineGraph;
import dev.tffashion.pipeline.kafka.ValueEnvelope;
import dev.tffashion.pipeline.kafka.ValueRecords;
import dev.tffashion.pipeline.quarkus.follow.FollowedRecord;
import dev.tffashion.pipeline.quarkus.follow.RecordReader;
import dev.tffashion.pipeline.quarkus.follow.TopicFollower;
import dev.tffashion.pipeline.quarkus.follow.TopicFollowers;
import dev.tffashion.pipeline.status.StatusEvent;
import io.quarkus.runtime.StartupEvent;

/**
 * file-drop's read model of the pipeline, rebuilt from Kafka at start-up and kept live by one {@link TopicFollower} over every
 * topic of the graph (all partitions, no consumer group, so every file-drop instance sees everything). It routes each record by
 * what its topic is in the graph (never by parsing the topic's name) to one of its parts:
 * <ul>
 * <li>{@link PipelineView}: values by id ({@code /v1/values}, lineage) and the image → tensor and image → prediction links,
 * from each record's envelope headers alone: a value's payload is decoded only when someone asks for that value (from the
 * record kept in memory while it is recent, else read back from Kafka by its position with a {@link RecordReader});</li>
 * <li>{@link DeadLetters}: the refused values of every task's {@code .dlq} topic;</li>
 * <li>the latest status of each task (the compacted {@code <pipeline>.status} topic);</li>
 * <li>{@link LiveFeed}: every change once the index has caught up (not the history read again at start), for the UI's live
 * feed (a value decoded only while someone listens), and a {@code caughtUp} event then.</li>
 * </ul>
 * A drop made with an {@code Idempotency-Key} has an id derived from the key ({@code ValueIds.forIdempotencyKey}), so finding
 * an earlier drop with the same key is a lookup by id.
 */
@ApplicationScoped
public class ValueIndex {

    private static final Logger LOG = Logger.getLogger(ValueIndex.class);
    private static final Duration READ_BACK_TIMEOUT = Duration.ofSeconds(5);

    /** What a followed topic holds. */
    private enum Kind { VALUES, STATUS, DEAD_LETTERS }

    @Inject
    PipelineGraph graph;

    @Inject
    TopicFollowers followers;

    @Inject
    LiveFeed feed;

    @Inject
    FileDropConfig config;

    private PipelineView view;
    private RecordReader reader;
    private final DeadLetters deadLetters = new DeadLetters();
    private final Map<String, StatusEvent> status = new ConcurrentHashMap<>();
    private final Map<String, Kind> kinds = new HashMap<>();
    private final Map<String, String> deadLetterTask = new HashMap<>();
    private volatile TopicFollower follower;
    private final AtomicLong readBacks = new AtomicLong();

    @PostConstruct
    void init() {
        view = new PipelineView(config.index().maxValues(), config.index().keptRecords());
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
        reader = followers.reader("file-drop-index-reader");
        List<String> topics = graph.topics(1).stream().map(PipelineGraph.TopicSpec::name).toList();
        // The index reads every record of the pipeline: fetches wait for 64 KB or 100 ms, so at hundreds of pictures a second the
        // broker answers about ten fetches a second instead of one per record (a value shows up in the API at most 100 ms later)
        follower = followers.follower("file-drop-index").topics(topics).maxPollRecords(2000)
            .kafkaSetting(ConsumerConfig.FETCH_MIN_BYTES_CONFIG, 65536).kafkaSetting(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 100)
            .apply(this::apply).start();
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
            ValueEnvelope envelope = ValueRecords.envelope(record.headers())
                .orElseGet(() -> ValueEnvelope.of(ValueRecords.decode(record.headers(), record.value())));
            add(IndexedValue.read(envelope, record));
        }
    }

    /** Adds a value (also called by the drop path, before the index reads it back from Kafka). */
    public void add(AnnotatedValue value) {
        add(IndexedValue.added(value));
    }

    private void add(IndexedValue value) {
        PipelineView.Added added = view.add(value);
        if (added.evicted() != null) {
            deadLetters.forget(added.evicted().id());
        }
        if (added.isNew() && feed.caughtUp() && feed.hasListeners()) {
            resolve(value).ifPresent(whole -> feed.publish(new LiveFeed.Change("value", whole)));
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

    /**
     * The whole value of an index entry: in hand, decoded from the record kept in memory, or read back from Kafka by its position;
     * empty when Kafka no longer has it (retention) or it cannot be decoded (logged).
     */
    private Optional<AnnotatedValue> resolve(IndexedValue indexed) {
        AnnotatedValue value = indexed.value();
        if (value != null) {
            return Optional.of(value);
        }
        FollowedRecord record = indexed.record();
        if (record == null && indexed.hasPosition()) {
            readBacks.incrementAndGet();
            record = reader.read(indexed.topic(), indexed.partition(), indexed.offset(), READ_BACK_TIMEOUT).orElse(null);
        }
        if (record == null) {
            LOG.debugf("value %s is indexed but its record could not be read back from Kafka", indexed.id());
            return Optional.empty();
        }
        try {
            return Optional.of(ValueRecords.decode(record.headers(), record.value()));
        } catch (MalformedValueException e) {
            LOG.warnf("value %s at %s is not an annotated value: %s", indexed.id(), record.where(), e.getMessage());
            return Optional.empty();
        }
    }

    /** The value with this id, decoded (see {@link #resolve}). */
    public Optional<AnnotatedValue> get(String id) {
        return view.get(id).flatMap(this::resolve);
    }

    /** How many values were read back from Kafka because their record was no longer kept in memory. */
    long readBacks() {
        return readBacks.get();
    }

    /** Whether a value with this id is in the index (without decoding it). */
    public boolean contains(String id) {
        return view.get(id).isPresent();
    }

    /** The tensor converted from a dropped image. */
    public Optional<AnnotatedValue> tensorOfImage(String imageId) {
        return view.tensorOfImage(imageId).flatMap(this::resolve);
    }

    /** The prediction made from a dropped image, found through the prediction's own image lineage. */
    public Optional<AnnotatedValue> predictionOfImage(String imageId) {
        return view.predictionOfImage(imageId).flatMap(this::resolve);
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
        return view.recent(task, limit).stream().map(this::resolve).flatMap(Optional::stream).toList();
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
