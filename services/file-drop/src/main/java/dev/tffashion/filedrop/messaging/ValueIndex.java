package dev.tffashion.filedrop.messaging;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import dev.tffashion.pipeline.AnnotatedValue;
import dev.tffashion.pipeline.Json;
import dev.tffashion.pipeline.graph.PipelineGraph;
import dev.tffashion.pipeline.kafka.ValueRecords;
import dev.tffashion.pipeline.status.StatusEvent;
import io.quarkus.runtime.StartupEvent;

/**
 * An in-memory index of the pipeline, rebuilt from Kafka at start-up and kept live: every value on every output topic (for
 * {@code /v1/values}, lineage and predictions), the latest status of each task (compacted status topic) and the dead letters of
 * each task. It reads all partitions without a consumer group, so every file-drop instance sees everything. Listeners (the UI's
 * live feed) are told of each change.
 */
@ApplicationScoped
public class ValueIndex {

    private static final Logger LOG = Logger.getLogger(ValueIndex.class);

    /** A dead-lettered record: the task that refused it, why, and when. */
    public record DeadLetter(String id, String task, String reason, String topic, Instant at) {
    }

    /** A change of the index, for live listeners: kind is value, status or deadLetter. */
    public record Change(String kind, Object payload) {
    }

    @Inject
    PipelineGraph graph;

    @ConfigProperty(name = "kafka.bootstrap.servers", defaultValue = "localhost:9092")
    String bootstrap;

    /** How many values the index keeps (oldest dropped first); the content stays in Kafka and the store. */
    @ConfigProperty(name = "file-drop.index.max-values", defaultValue = "50000")
    int maxValues;

    private final Map<String, AnnotatedValue> values = java.util.Collections.synchronizedMap(new LinkedHashMap<>());
    private final Map<String, String> idempotencyKeys = new ConcurrentHashMap<>();
    private final Map<String, String> tensorByImage = new ConcurrentHashMap<>();
    private final Map<String, String> predictionByTensor = new ConcurrentHashMap<>();
    private final Map<String, StatusEvent> status = new ConcurrentHashMap<>();
    private final Map<String, DeadLetter> deadLetters = new ConcurrentHashMap<>();
    private final List<Consumer<Change>> listeners = new CopyOnWriteArrayList<>();

    private volatile KafkaConsumer<String, byte[]> consumer;
    private volatile Thread thread;
    private volatile boolean caughtUp;
    private final Object caughtUpSignal = new Object();

    void start(@Observes StartupEvent event) {
        thread = new Thread(this::run, "value-index");
        thread.setDaemon(true);
        thread.start();
    }

    private void run() {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, "file-drop-index");
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 2000);
        try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer())) {
            consumer = c;
            List<TopicPartition> partitions = partitions(c);
            c.assign(partitions);
            c.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = c.endOffsets(partitions);
            while (!Thread.currentThread().isInterrupted()) {
                for (ConsumerRecord<String, byte[]> record : c.poll(Duration.ofMillis(500))) {
                    apply(record);
                }
                if (!caughtUp && end.entrySet().stream().allMatch(e -> c.position(e.getKey()) >= e.getValue())) {
                    synchronized (caughtUpSignal) {
                        caughtUp = true;
                        caughtUpSignal.notifyAll();
                    }
                    LOG.infof("value index caught up: %d values, %d task states, %d dead letters", values.size(), status.size(),
                            deadLetters.size());
                }
            }
        } catch (WakeupException e) {
            LOG.debug("value index stopped");
        } catch (RuntimeException e) {
            LOG.errorf(e, "value index stopped on an error; /v1/values answers from what it had: %s", e.getMessage());
        }
    }

    private List<TopicPartition> partitions(KafkaConsumer<String, byte[]> c) {
        List<String> topics = new ArrayList<>();
        for (PipelineGraph.TopicSpec spec : graph.topics(1)) {
            topics.add(spec.name());
        }
        List<TopicPartition> partitions = new ArrayList<>();
        for (String topic : topics) {
            List<PartitionInfo> infos = c.partitionsFor(topic, Duration.ofSeconds(30));
            if (infos != null) {
                infos.forEach(p -> partitions.add(new TopicPartition(p.topic(), p.partition())));
            }
        }
        return partitions;
    }

    private void apply(ConsumerRecord<String, byte[]> record) {
        String topic = record.topic();
        if (record.value() == null) {
            return;
        }
        try {
            if (topic.equals(graph.statusTopic())) {
                StatusEvent event = Json.fromBytes(record.value(), StatusEvent.class);
                status.put(event.task(), event);
                notify(new Change("status", event));
            } else if (topic.endsWith(".dlq")) {
                String task = topic.substring(graph.name().length() + 1, topic.length() - ".dlq".length());
                DeadLetter letter = new DeadLetter(record.key(), task, header(record, "dead-letter-reason"),
                        header(record, "dead-letter-topic"), Instant.ofEpochMilli(record.timestamp()));
                if (record.key() != null) {
                    deadLetters.put(record.key(), letter);
                }
                notify(new Change("deadLetter", letter));
            } else {
                add(ValueRecords.decode(record.headers(), record.value()));
            }
        } catch (RuntimeException e) {
            LOG.warnf("value index skips a record of %s at offset %d: %s", topic, record.offset(), e.getMessage());
        }
    }

    private static String header(ConsumerRecord<?, ?> record, String name) {
        Header header = record.headers().lastHeader(name);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }

    /** Adds a value (also called by the drop path, before the index reads it back from Kafka). */
    public void add(AnnotatedValue value) {
        AnnotatedValue previous;
        AnnotatedValue evicted = null;
        synchronized (values) {
            previous = values.putIfAbsent(value.id(), value);
            if (previous == null && values.size() > maxValues) {
                var it = values.values().iterator();
                evicted = it.next();
                it.remove();
            }
        }
        if (evicted != null) {
            forget(evicted);
        }
        if (previous != null) {
            return;
        }
        String key = value.annotation("idempotencyKey");
        if (key != null) {
            idempotencyKeys.putIfAbsent(value.task() + "/" + key, value.id());
        }
        if ("tensor".equals(value.type())) {
            value.sourceIds("image").forEach(image -> tensorByImage.put(image, value.id()));
        } else if ("prediction".equals(value.type())) {
            value.sourceIds("tensor").forEach(tensor -> predictionByTensor.putIfAbsent(tensor, value.id()));
        }
        notify(new Change("value", value));
    }

    /** Drops the lookups that lead to an evicted value, so that they stay as bounded as the values themselves. */
    private void forget(AnnotatedValue evicted) {
        String key = evicted.annotation("idempotencyKey");
        if (key != null) {
            idempotencyKeys.remove(evicted.task() + "/" + key, evicted.id());
        }
        if ("tensor".equals(evicted.type())) {
            evicted.sourceIds("image").forEach(image -> tensorByImage.remove(image, evicted.id()));
        } else if ("prediction".equals(evicted.type())) {
            evicted.sourceIds("tensor").forEach(tensor -> predictionByTensor.remove(tensor, evicted.id()));
        }
        deadLetters.remove(evicted.id());
    }

    public Optional<AnnotatedValue> get(String id) {
        return Optional.ofNullable(values.get(id));
    }

    /** The first value dropped with this task-scoped Idempotency-Key ({@code <task>/<key>}). */
    public Optional<AnnotatedValue> byIdempotencyKey(String taskScopedKey) {
        return Optional.ofNullable(idempotencyKeys.get(taskScopedKey)).flatMap(this::get);
    }

    /** The tensor converted from a dropped image. */
    public Optional<AnnotatedValue> tensorOfImage(String imageId) {
        return Optional.ofNullable(tensorByImage.get(imageId)).flatMap(this::get);
    }

    /** The prediction made from a dropped image. */
    public Optional<AnnotatedValue> predictionOfImage(String imageId) {
        return Optional.ofNullable(tensorByImage.get(imageId)).map(predictionByTensor::get).flatMap(this::get);
    }

    /** The dead letter recorded for a value id (the key of the refused record). */
    public Optional<DeadLetter> deadLetter(String id) {
        return Optional.ofNullable(deadLetters.get(id));
    }

    public Map<String, StatusEvent> status() {
        return Map.copyOf(status);
    }

    /** The most recent values, newest first, optionally of one task. */
    public List<AnnotatedValue> recent(String task, int limit) {
        List<AnnotatedValue> all;
        synchronized (values) {
            all = new ArrayList<>(values.values());
        }
        List<AnnotatedValue> result = new ArrayList<>();
        for (int i = all.size() - 1; i >= 0 && result.size() < limit; i--) {
            if (task == null || task.equals(all.get(i).task())) {
                result.add(all.get(i));
            }
        }
        return result;
    }

    public Collection<DeadLetter> deadLetters() {
        return List.copyOf(deadLetters.values());
    }

    /** Whether the index has read every topic up to where it stood at start-up. */
    public boolean caughtUp() {
        return caughtUp;
    }

    /** Waits until the index has read every topic up to its end offsets at start-up; false when the time ran out. */
    public boolean awaitCaughtUp(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (caughtUpSignal) {
            while (!caughtUp) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                try {
                    caughtUpSignal.wait(Math.max(1, left / 1_000_000));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
        }
        return true;
    }

    public void addListener(Consumer<Change> listener) {
        listeners.add(listener);
    }

    public void removeListener(Consumer<Change> listener) {
        listeners.remove(listener);
    }

    private void notify(Change change) {
        for (Consumer<Change> listener : listeners) {
            try {
                listener.accept(change);
            } catch (RuntimeException e) {
                LOG.debugf("listener failed: %s", e.getMessage());
            }
        }
    }

    @PreDestroy
    void stop() {
        KafkaConsumer<String, byte[]> c = consumer;
        if (c != null) {
            c.wakeup();
        }
        Thread t = thread;
        if (t != null) {
            try {
                t.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
