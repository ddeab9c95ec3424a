package dev.tffashion.pipeline.quarkus.task;

import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

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
 */
public final class RepeatedKeys {

    private static final Logger LOG = Logger.getLogger(RepeatedKeys.class);
    private static final Duration READ_BACK_TIMEOUT = Duration.ofSeconds(20);
    /** Values are not needed to know the keys. */
    private static final Deserializer<Void> IGNORED = (topic, data) -> null;

    private final Map<String, Object> kafka;
    private final int window;
    private final Map<TopicPartition, Window> windows = new HashMap<>();

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
            known = new Window(readBack(tp, offset), offset);
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

    /** The keys of the {@code window} records before {@code offset}, oldest first, each with the offset it was first read at. */
    private Map<String, Long> readBack(TopicPartition tp, long offset) {
        Map<String, Long> keys = bounded();
        long from = Math.max(0, offset - window);
        if (from >= offset) {
            return keys;
        }
        Map<String, Object> props = new HashMap<>(KafkaClientConfig.consumer(kafka));
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, "repeated-keys-" + tp);
        long started = System.nanoTime();
        int read = 0;
        try (KafkaConsumer<String, Void> consumer = new KafkaConsumer<>(props, new StringDeserializer(), IGNORED)) {
            consumer.assign(List.of(tp));
            consumer.seek(tp, from);
            long deadline = started + READ_BACK_TIMEOUT.toNanos();
            while (consumer.position(tp) < offset && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, Void> record : consumer.poll(Duration.ofMillis(500)).records(tp)) {
                    if (record.offset() >= offset) {
                        break;
                    }
                    read++;
                    if (record.key() != null) {
                        keys.putIfAbsent(record.key(), record.offset());
                    }
                }
            }
            if (consumer.position(tp) < offset) {
                LOG.warnf("%s: read back only to offset %d of %d within %d s; a copy of an older record may pass", tp,
                    consumer.position(tp), offset, READ_BACK_TIMEOUT.toSeconds());
            }
        } catch (RuntimeException e) {
            LOG.warnf("%s: could not read back the %d records before offset %d (%s); copies of them are not recognized", tp, window,
                offset, e.getMessage());
        }
        LOG.debugf("%s: read back %d records before offset %d in %d ms", tp, read, offset, (System.nanoTime() - started) / 1_000_000);
        return keys;
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
