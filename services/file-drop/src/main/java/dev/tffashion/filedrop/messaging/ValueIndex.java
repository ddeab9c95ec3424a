package dev.tffashion.filedrop.messaging;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Supplier;

import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import org.apache.kafka.streams.KeyValue;
import org.jboss.logging.Logger;

import dev.tffashion.filedrop.config.IndexConfig;
import dev.tffashion.filedrop.messaging.DeadLetters.DeadLetter;
import dev.tffashion.filedrop.messaging.IndexStreams.Kind;
import dev.tffashion.filedrop.messaging.IndexStreams.Source;
import dev.tffashion.pipeline.AnnotatedValue;
import dev.tffashion.pipeline.Json;
import dev.tffashion.pipeline.MalformedValueException;
import dev.tffashion.pipeline.graph.PipelineGraph;
import dev.tffashion.pipeline.kafka.ValueRecords;
import dev.tffashion.pipeline.quarkus.KafkaClientConfig;
import dev.tffashion.pipeline.quarkus.PipelineConfig;
import dev.tffashion.pipeline.quarkus.follow.FollowedRecord;
import dev.tffashion.pipeline.status.StatusEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.common.annotation.Identifier;

/**
 * file-drop's read model of the pipeline, on disk: Kafka Streams global state stores (RocksDB), one per topic of the graph,
 * kept by {@link IndexStreams} and filled by {@link IndexUpdater} (see there for what each store holds). Every replica holds
 * every topic, so any replica answers any id; a restart resumes from the stores' checkpoint in the state directory
 * ({@code tf-fashion.file-drop.state-dir}). It routes each topic by what it is in the graph (never by parsing its name):
 * <ul>
 * <li>values by id ({@code /v1/values}, lineage, the Idempotency-Key lookup), image → tensor and image → prediction, and the
 * count of values per task output; a value is decoded from its stored record when someone asks for it;</li>
 * <li>the dead letters of every task's {@code .dlq} topic;</li>
 * <li>the latest status of each task (the compacted {@code <pipeline>.status} topic);</li>
 * <li>the latest report of each replay (the compacted {@code <pipeline>.replay.report} topic);</li>
 * <li>{@link LiveFeed}: every change once the index is ready (not the history read at start), for the UI's live feed (a value
 * decoded only while someone listens), and a {@code caughtUp} event then.</li>
 * </ul>
 * A drop is answered before Kafka hands its value back to the stores: the drop path adds it here, held in memory until the
 * store has it (at most {@value #MAX_PENDING} such values).
 */
@ApplicationScoped
public class ValueIndex {

    private static final Logger LOG = Logger.getLogger(ValueIndex.class);
    private static final int MAX_PENDING = 10_000;
    private static final int MAX_LISTED = 10_000;

    @Inject
    PipelineGraph graph;

    @Inject
    LiveFeed feed;

    @Inject
    @Identifier("default-kafka-broker")
    Map<String, Object> kafka;

    /** Where the stores live; default: a folder per instance under the temporary folder (see {@link #stateDir()}). */
    @Inject
    IndexConfig config;

    /** This replica's name ({@link PipelineConfig#instanceName()}), part of the default state directory and of Kafka client ids. */
    @Inject
    PipelineConfig pipelineConfig;

    private final List<Source> values = new ArrayList<>();
    private final List<Source> deadLetterSources = new ArrayList<>();
    private Source statusSource;
    private Source replaySource;
    private final Map<String, AnnotatedValue> pending = new LinkedHashMap<>();
    private volatile IndexStreams streams;

    @PostConstruct
    void init() {
        for (PipelineGraph.Task task : graph.tasks()) {
            task.outputs().forEach(output -> values.add(new Source(graph.topic(task.name(), output.name()), Kind.VALUES, task.name())));
            if (!task.inputs().isEmpty()) {
                deadLetterSources.add(new Source(graph.deadLetterTopic(task.name()), Kind.DEAD_LETTERS, task.name()));
            }
        }
        statusSource = new Source(graph.statusTopic(), Kind.STATUS, null);
        replaySource = new Source(graph.replayReportTopic(), Kind.LATEST, null);
    }

    void start(@Observes StartupEvent event) {
        List<Source> sources = new ArrayList<>(values);
        sources.addAll(deadLetterSources);
        sources.add(statusSource);
        sources.add(replaySource);
        Path dir = stateDir();
        Map<String, Object> settings = new HashMap<>(KafkaClientConfig.admin(kafka));
        settings.put("client.id", graph.name() + "-file-drop-index-" + pipelineConfig.instanceName());
        IndexStreams index = new IndexStreams(graph.name() + "-file-drop-index", settings, sources, dir, new Changes(),
            this::ready, Map.of());
        streams = index;
        index.start();
    }

    /** The state directory: {@code tf-fashion.file-drop.state-dir}, else one per instance under the temporary folder. */
    Path stateDir() {
        return config.stateDir().filter(s -> !s.isBlank()).map(Path::of)
            .orElseGet(() -> Path.of(System.getProperty("java.io.tmpdir"), "tf-fashion", graph.name(), "file-drop-index-"
                + pipelineConfig.instanceName().replaceAll("[^A-Za-z0-9._-]", "_")));
    }

    @PreDestroy
    void stop() {
        IndexStreams index = streams;
        if (index != null) {
            index.close();
        }
    }

    private void ready() {
        if (!feed.caughtUp()) {
            feed.caughtUp(true);
            // Pages opened while the index was loading saw a partial snapshot: this tells them to load it again, whole.
            long count = counts().values().stream().flatMap(m -> m.values().stream()).mapToLong(Long::longValue).sum();
            feed.publish(new LiveFeed.Change("caughtUp", Map.of("caughtUp", true, "values", count)));
            LOG.infof("value index ready: %d values, %d task states, %d tasks with dead letters", count, status().size(),
                deadLetterSummary().size());
        }
    }

    /** The stores' changes, from Kafka Streams' global thread: published live once the index is ready. */
    private final class Changes implements IndexUpdater.Listener {

        @Override
        public void value(String id, byte[] stored) {
            boolean published;
            synchronized (pending) {
                published = pending.remove(id) != null;
            }
            if (!published && feed.caughtUp() && feed.hasListeners()) {
                decode(stored).ifPresent(value -> feed.publish(new LiveFeed.Change("value", value)));
            }
        }

        @Override
        public void status(StatusEvent event) {
            if (feed.caughtUp()) {
                feed.publish(new LiveFeed.Change("status", event));
            }
        }

        @Override
        public void deadLetter(DeadLetter letter) {
            if (feed.caughtUp()) {
                feed.publish(new LiveFeed.Change("deadLetter", letter));
            }
        }
    }

    /** Adds a value the drop path just published, until the stores read it back from Kafka. */
    public void add(AnnotatedValue value) {
        if (contains(value.id())) {
            return;
        }
        synchronized (pending) {
            if (pending.putIfAbsent(value.id(), value) != null) {
                return;
            }
            if (pending.size() > MAX_PENDING) {
                var oldest = pending.keySet().iterator();
                oldest.next();
                oldest.remove();
            }
        }
        if (feed.caughtUp() && feed.hasListeners()) {
            feed.publish(new LiveFeed.Change("value", value));
        }
    }

    private Optional<AnnotatedValue> decode(byte[] stored) {
        FollowedRecord record;
        try {
            record = IndexedValue.decode(stored);
        } catch (RuntimeException e) {
            LOG.warnf("an index entry cannot be read: %s", e.getMessage());
            return Optional.empty();
        }
        try {
            return Optional.of(ValueRecords.decode(record.headers(), record.value()));
        } catch (MalformedValueException e) {
            LOG.warnf("the value at %s is not an annotated value: %s", record.where(), e.getMessage());
            return Optional.empty();
        }
    }

    private Optional<byte[]> stored(String id) {
        IndexStreams index = streams;
        if (index == null || id == null) {
            return Optional.empty();
        }
        for (Source source : values) {
            Optional<byte[]> found = index.get(source, IndexUpdater.VALUE + id);
            if (found.isPresent() && found.get() != null) {
                return found;
            }
        }
        return Optional.empty();
    }

    /** The value with this id, decoded from its stored record (or the drop path's value, until the store has it). */
    public Optional<AnnotatedValue> get(String id) {
        // The drop path's value first, then the store: the global thread writes the store before it takes a value out of
        // pending, so a value is always in one of the two in this order. The other order missed a value that moved between the
        // two looks (a GET right after its drop answered 404).
        return lookUp(() -> {
            synchronized (pending) {
                return Optional.ofNullable(pending.get(id));
            }
        }, () -> stored(id).flatMap(this::decode));
    }

    /** A value from where the drop path put it, else from the store: the order that never misses a value moving between them. */
    static <T> Optional<T> lookUp(Supplier<Optional<T>> pending, Supplier<Optional<T>> store) {
        Optional<T> dropped = pending.get();
        return dropped.isPresent() ? dropped : store.get();
    }

    /** Whether a value with this id is in the index (without decoding it). */
    public boolean contains(String id) {
        synchronized (pending) {
            if (pending.containsKey(id)) {
                return true;
            }
        }
        return stored(id).isPresent();
    }

    /** The tensor converted from a dropped image (the latest). */
    public Optional<AnnotatedValue> tensorOfImage(String imageId) {
        return link(IndexUpdater.TENSOR_OF + imageId).flatMap(this::get);
    }

    /** The prediction made from a dropped image (the first), found through the prediction's own image lineage. */
    public Optional<AnnotatedValue> predictionOfImage(String imageId) {
        return link(IndexUpdater.PREDICTION_OF + imageId).flatMap(this::get);
    }

    /** Every prediction of a dropped image (after a replay, the earlier ones and the one that supersedes them), unordered. */
    public List<AnnotatedValue> predictionsOfImage(String imageId) {
        List<AnnotatedValue> found = new ArrayList<>();
        IndexStreams index = streams;
        if (index == null || imageId == null) {
            return found;
        }
        String from = IndexUpdater.PREDICTIONS_OF + imageId + ":";
        String to = IndexUpdater.PREDICTIONS_OF + imageId + ";";
        for (Source source : values) {
            for (KeyValue<String, byte[]> entry : index.range(source, from, to, MAX_LISTED)) {
                get(new String(entry.value, StandardCharsets.UTF_8)).ifPresent(found::add);
            }
        }
        return found;
    }

    /** The latest report of a replay ({@code <pipeline>.replay.report}), as its record's JSON. */
    public Optional<byte[]> replayReport(String replayId) {
        IndexStreams index = streams;
        if (index == null || replayId == null) {
            return Optional.empty();
        }
        return index.get(replaySource, replayId).filter(Objects::nonNull);
    }

    /** The latest report of every replay, as their records' JSON. */
    public List<byte[]> replayReports() {
        IndexStreams index = streams;
        List<byte[]> reports = new ArrayList<>();
        if (index != null) {
            index.all(replaySource, MAX_LISTED).forEach(kv -> reports.add(kv.value));
        }
        return reports;
    }

    private Optional<String> link(String key) {
        IndexStreams index = streams;
        if (index == null) {
            return Optional.empty();
        }
        for (Source source : values) {
            Optional<byte[]> id = index.get(source, key);
            if (id.isPresent() && id.get() != null) {
                return Optional.of(new String(id.get(), StandardCharsets.UTF_8));
            }
        }
        return Optional.empty();
    }

    /** The dead letter recorded for a value id (the key of the refused record). */
    public Optional<DeadLetter> deadLetter(String id) {
        IndexStreams index = streams;
        if (index == null || id == null) {
            return Optional.empty();
        }
        for (Source source : deadLetterSources) {
            Optional<byte[]> letter = index.get(source, IndexUpdater.VALUE + id);
            if (letter.isPresent() && letter.get() != null) {
                return Optional.of(Json.fromBytes(letter.get(), DeadLetter.class));
            }
        }
        return Optional.empty();
    }

    /** How many distinct values each task output has published, by task then output (every id the stores ever took). */
    public Map<String, Map<String, Long>> counts() {
        Map<String, Map<String, Long>> counts = new TreeMap<>();
        IndexStreams index = streams;
        if (index == null) {
            return counts;
        }
        for (Source source : values) {
            for (KeyValue<String, byte[]> entry : index.range(source, IndexUpdater.COUNT, IndexUpdater.COUNT_END, MAX_LISTED)) {
                String name = entry.key.substring(IndexUpdater.COUNT.length());
                int slash = name.lastIndexOf('/');
                counts.computeIfAbsent(name.substring(0, slash), t -> new TreeMap<>()).merge(name.substring(slash + 1),
                    IndexUpdater.longOf(entry.value), Long::sum);
            }
        }
        return counts;
    }

    /** The latest status of each task. */
    public Map<String, StatusEvent> status() {
        Map<String, StatusEvent> status = new TreeMap<>();
        IndexStreams index = streams;
        if (index != null) {
            for (KeyValue<String, byte[]> entry : index.all(statusSource, MAX_LISTED)) {
                try {
                    status.put(entry.key, Json.fromBytes(entry.value, StatusEvent.class));
                } catch (RuntimeException e) {
                    LOG.debugf("status of %s unreadable: %s", entry.key, e.getMessage());
                }
            }
        }
        return status;
    }

    /** The most recent values, newest first, optionally of one task (the drop path's values not stored yet first). */
    public List<AnnotatedValue> recent(String task, int limit) {
        List<AnnotatedValue> result = new ArrayList<>();
        synchronized (pending) {
            List<AnnotatedValue> waiting = new ArrayList<>(pending.values());
            for (int i = waiting.size() - 1; i >= 0 && result.size() < limit; i--) {
                if (task == null || task.equals(waiting.get(i).task())) {
                    result.add(waiting.get(i));
                }
            }
        }
        IndexStreams index = streams;
        if (index == null) {
            return result;
        }
        record Entry(String order, Source source, String id) {
        }
        List<Entry> newest = new ArrayList<>();
        for (Source source : values) {
            if (task == null || task.equals(source.task())) {
                index.reverseRange(source, IndexUpdater.RECENT, IndexUpdater.RECENT_END, limit)
                    .forEach(kv -> newest.add(new Entry(kv.key, source, new String(kv.value, StandardCharsets.UTF_8))));
            }
        }
        newest.sort(Comparator.comparing(Entry::order).reversed());
        for (Entry entry : newest) {
            if (result.size() >= limit) {
                break;
            }
            if (result.stream().noneMatch(v -> v.id().equals(entry.id()))) {
                index.get(entry.source(), IndexUpdater.VALUE + entry.id()).flatMap(this::decode).ifPresent(result::add);
            }
        }
        return result;
    }

    /** The dead letters of every task (at most {@value #MAX_LISTED} per task). */
    public Collection<DeadLetter> deadLetters() {
        List<DeadLetter> letters = new ArrayList<>();
        IndexStreams index = streams;
        if (index != null) {
            for (Source source : deadLetterSources) {
                index.range(source, IndexUpdater.VALUE, "v;", MAX_LISTED)
                    .forEach(kv -> letters.add(Json.fromBytes(kv.value, DeadLetter.class)));
            }
        }
        return letters;
    }

    /**
     * The dead letters of each task that refused any: {@code {count, latest}}, the latest being the most recent refusal (for
     * learn, a training run that failed). The page shows it after a restart, when the task's status no longer says so.
     */
    public Map<String, Map<String, Object>> deadLetterSummary() {
        Map<String, Map<String, Object>> summary = new TreeMap<>();
        IndexStreams index = streams;
        if (index == null) {
            return summary;
        }
        for (Source source : deadLetterSources) {
            long count = index.get(source, IndexUpdater.LETTER_COUNT).map(IndexUpdater::longOf).orElse(0L);
            Optional<byte[]> latest = index.get(source, IndexUpdater.LETTER_LATEST);
            if (count > 0 && latest.isPresent() && latest.get() != null) {
                Map<String, Object> task = new HashMap<>();
                task.put("count", count);
                task.put("latest", Json.fromBytes(latest.get(), DeadLetter.class));
                summary.put(source.task(), task);
            }
        }
        return summary;
    }

    /** Whether the stores are ready: Kafka Streams runs, every store restored up to where its topic stood at the start. */
    public boolean caughtUp() {
        IndexStreams index = streams;
        return index != null && index.ready();
    }

    /** Topics of the graph that did not exist when the index last looked (the index is not ready while there are any). */
    public Set<String> missingTopics() {
        IndexStreams index = streams;
        return index == null ? Set.of() : index.missingTopics();
    }

    /** How many records the stores took in this process: after a restart, only those after the stores' checkpoint. */
    public long recordsApplied() {
        IndexStreams index = streams;
        return index == null ? 0 : index.recordsApplied();
    }

    /** Waits until the index is ready ({@link #caughtUp()}); false when the time ran out. */
    public boolean awaitCaughtUp(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!caughtUp()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return true;
    }
}
