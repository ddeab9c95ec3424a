package dev.tffashion.pipeline.quarkus.task;

import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.jboss.logging.Logger;

import dev.tffashion.pipeline.quarkus.KafkaClientConfig;

/**
 * Recognizes a second copy of a record: one whose key (its value's id) was already read at an earlier offset of the same
 * partition, within the last {@code window} records of that partition. Values are keyed by their id, so both copies of a value
 * land on one partition, and a consumer that drops the later copy makes the pair count once (README, "Exactly once": a drop
 * stored twice under one id, when a producer's batch expired during a broker outage and the client retried with its
 * {@code Idempotency-Key}, is converted once).
 * <p>
 * The keys kept per partition are those of the records read since the partition was first seen here, plus, read back once at
 * that moment, the {@code window} records before it (a read_committed consumer of Quarkus's Kafka settings), so a copy whose
 * original was committed before a restart or a rebalance is still recognized. A record read again at the same offset (its batch
 * was aborted and is worked on again) is not a copy. Not thread-safe beyond its synchronized method; one per consuming task.
 * <p>
 * The read back can start before the first record: {@link #prefetch} (called when the consumer is assigned its partitions, with
 * their positions) reads back every assigned partition with one consumer in the background, so a process that restarts while no
 * pictures arrive has its windows ready when the first one does, instead of reading them back then, one consumer per partition,
 * in front of that picture. A partition's first record waits for its prefetch when one is under way for it.
 */
public final class RepeatedKeys {

    private static final Logger LOG = Logger.getLogger(RepeatedKeys.class);
    private static final Duration READ_BACK_TIMEOUT = Duration.ofSeconds(20);
    /** Values are not needed to know the keys. */
    private static final Deserializer<Void> IGNORED = (topic, data) -> null;

    private final Map<String, Object> kafka;
    private final int window;
    private final Map<TopicPartition, Window> windows = new HashMap<>();
    /** Read backs started by {@link #prefetch}, for partitions not yet seen by {@link #repeated}. */
    private final Map<TopicPartition, Prefetch> prefetched = new HashMap<>();
    private final ExecutorService prefetching = Executors.newSingleThreadExecutor(r -> {
        Thread thread = new Thread(r, "repeated-keys-read-back");
        thread.setDaemon(true);
        return thread;
    });

    /** A read back under way: the window before {@code position}, the offset the consumer was assigned the partition at. */
    private record Prefetch(long position, CompletableFuture<Map<TopicPartition, Map<String, Long>>> keys) {
    }

    /** What is known of one partition: its recent keys, each with the offset it was first read at, and the next offset. */
    private static final class Window {
        final Map<String, Long> keys;
        long next;

        Window(Map<String, Long> keys, long next) {
            this.keys = keys;
            this.next = next;
        }
    }

    /**
     * @param kafka  Quarkus's Kafka configuration, for the read back
     * @param window how many records per partition a copy may come after its original (and how many are read back)
     */
    public RepeatedKeys(Map<String, Object> kafka, int window) {
        this.kafka = Objects.requireNonNull(kafka, "kafka");
        if (window < 1) {
            throw new IllegalArgumentException("the window of repeated keys must be at least 1 record, got " + window);
        }
        this.window = window;
    }

    /**
     * True when the record at this offset is a later copy of a record with the same key read at an earlier offset of the
     * partition; the first time a partition is seen, its previous {@code window} records are read back first.
     */
    public synchronized boolean repeated(String topic, int partition, long offset, String key) {
        if (key == null) {
            return false;
        }
        TopicPartition tp = new TopicPartition(topic, partition);
        Window known = windows.get(tp);
        if (known == null || offset > known.next + window) {
            // First sight of the partition, or a jump past the window (its records were read elsewhere meanwhile): read back
            known = new Window(keysBefore(tp, offset), offset);
            windows.put(tp, known);
        }
        known.next = Math.max(known.next, offset + 1);
        Long first = known.keys.get(key);
        if (first != null && first < offset) {
            return true;
        }
        known.keys.put(key, offset);
        return false;
    }

    /**
     * Starts reading back, in the background and with one consumer, the {@code window} records before each of these positions
     * (each partition's offset when the consumer was assigned it), for the partitions this instance has not seen yet. The first
     * record of such a partition, at that position or after it (the offsets between were no data for a read_committed consumer),
     * then waits for this read back instead of starting its own.
     */
    public synchronized void prefetch(Map<TopicPartition, Long> positions) {
        Map<TopicPartition, Long> unseen = new HashMap<>();
        positions.forEach((tp, position) -> {
            if (!windows.containsKey(tp) && position != null && position > 0) {
                unseen.put(tp, position);
            }
        });
        if (unseen.isEmpty()) {
            return;
        }
        CompletableFuture<Map<TopicPartition, Map<String, Long>>> keys = CompletableFuture.supplyAsync(() -> readBack(unseen), prefetching);
        unseen.forEach((tp, position) -> prefetched.put(tp, new Prefetch(position, keys)));
    }

    /** The keys before {@code offset}: from a prefetch of the partition that ends at or before it, or read back now. */
    private Map<String, Long> keysBefore(TopicPartition tp, long offset) {
        Prefetch prefetch = prefetched.remove(tp);
        if (prefetch != null && prefetch.position() <= offset) {
            Map<String, Long> keys = prefetch.keys().join().get(tp);
            if (keys != null) {
                return keys;
            }
        }
        return readBack(Map.of(tp, offset)).get(tp);
    }

    /**
     * For each partition, the keys of the {@code window} records before its offset, oldest first, each with the offset it was first
     * read at; one consumer reads them all.
     */
    private Map<TopicPartition, Map<String, Long>> readBack(Map<TopicPartition, Long> ends) {
        Map<TopicPartition, Map<String, Long>> keys = new HashMap<>();
        Map<TopicPartition, Long> from = new HashMap<>();
        ends.forEach((tp, offset) -> {
            keys.put(tp, bounded());
            long start = Math.max(0, offset - window);
            if (start < offset) {
                from.put(tp, start);
            }
        });
        if (from.isEmpty()) {
            return keys;
        }
        Map<String, Object> props = new HashMap<>(KafkaClientConfig.consumer(kafka));
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, "repeated-keys-" + from.keySet().iterator().next().topic());
        long started = System.nanoTime();
        int read = 0;
        try (KafkaConsumer<String, Void> consumer = new KafkaConsumer<>(props, new StringDeserializer(), IGNORED)) {
            consumer.assign(from.keySet());
            from.forEach(consumer::seek);
            long deadline = started + READ_BACK_TIMEOUT.toNanos();
            while (!reached(consumer, from, ends) && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, Void> record : consumer.poll(Duration.ofMillis(500))) {
                    TopicPartition tp = new TopicPartition(record.topic(), record.partition());
                    if (record.offset() >= ends.get(tp)) {
                        continue;
                    }
                    read++;
                    if (record.key() != null) {
                        keys.get(tp).putIfAbsent(record.key(), record.offset());
                    }
                }
            }
            for (TopicPartition tp : from.keySet()) {
                if (consumer.position(tp) < ends.get(tp)) {
                    LOG.warnf("%s: read back only to offset %d of %d within %d s; a copy of an older record may pass", tp,
                        consumer.position(tp), ends.get(tp), READ_BACK_TIMEOUT.toSeconds());
                }
            }
        } catch (RuntimeException e) {
            LOG.warnf("%s: could not read back the %d records before offsets %s (%s); copies of them are not recognized", from.keySet(),
                window, ends, e.getMessage());
        }
        LOG.debugf("%s: read back %d records before offsets %s in %d ms", from.keySet(), read, ends,
            (System.nanoTime() - started) / 1_000_000);
        return keys;
    }

    /** Whether the consumer is at or past the end offset of every partition it reads back; it pauses those that are. */
    private static boolean reached(KafkaConsumer<String, Void> consumer, Map<TopicPartition, Long> from, Map<TopicPartition, Long> ends) {
        boolean all = true;
        for (TopicPartition tp : from.keySet()) {
            if (consumer.position(tp) >= ends.get(tp)) {
                consumer.pause(List.of(tp));
            } else {
                all = false;
            }
        }
        return all;
    }

    private Map<String, Long> bounded() {
        return new LinkedHashMap<>(16, 0.75f, false) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Long> eldest) {
                return size() > window;
            }
        };
    }
}
