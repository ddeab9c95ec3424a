package dev.tffashion.pipeline.quarkus.follow;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.jboss.logging.Logger;

import dev.tffashion.pipeline.quarkus.KafkaClientConfig;

/**
 * Reads one record back from Kafka by its position (topic, partition, offset), for a view that keeps only where its values are
 * (file-drop's index keeps envelopes, and reads a whole value when someone asks for it). Same settings as a
 * {@link TopicFollower}: Quarkus's Kafka configuration, no group, {@code read_committed}. One consumer, created on first use and
 * shared under a lock: a read is an API call's work, not the hot path. A Kafka error closes the consumer; the next read makes a
 * new one.
 */
public final class RecordReader implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(RecordReader.class);

    private final String name;
    private final Map<String, Object> config;
    private KafkaConsumer<String, byte[]> consumer;
    private boolean closed;

    RecordReader(String name, Map<String, Object> kafka) {
        this.name = name;
        Map<String, Object> settings = KafkaClientConfig.consumer(kafka);
        settings.put(ConsumerConfig.CLIENT_ID_CONFIG, name);
        settings.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        settings.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        settings.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "none");
        settings.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 1);
        settings.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 100);
        this.config = Map.copyOf(settings);
    }

    /**
     * The record at this position, or empty when it is not there (deleted by retention, not committed, or not read within the
     * timeout).
     */
    public synchronized Optional<FollowedRecord> read(String topic, int partition, long offset, Duration timeout) {
        if (closed) {
            return Optional.empty();
        }
        TopicPartition where = new TopicPartition(topic, partition);
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            if (consumer == null) {
                consumer = new KafkaConsumer<>(config, new StringDeserializer(), new ByteArrayDeserializer());
            }
            consumer.assign(List.of(where));
            consumer.seek(where, offset);
            while (System.nanoTime() < deadline) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())))) {
                    if (r.offset() == offset) {
                        return Optional.of(new FollowedRecord(r.topic(), r.partition(), r.offset(), r.timestamp(), r.key(), r.headers(),
                            r.value()));
                    }
                    if (r.offset() > offset) {
                        return Optional.empty();
                    }
                }
            }
            return Optional.empty();
        } catch (KafkaException | IllegalStateException e) {
            LOG.warnf("%s could not read %s@%d back from Kafka: %s", name, where, offset, e.getMessage());
            closeConsumer();
            return Optional.empty();
        }
    }

    private void closeConsumer() {
        if (consumer != null) {
            try {
                consumer.close(Duration.ofSeconds(5));
            } catch (KafkaException e) {
                LOG.debugf("%s: closing its consumer failed: %s", name, e.getMessage());
            }
            consumer = null;
        }
    }

    @Override
    public synchronized void close() {
        closed = true;
        closeConsumer();
    }
}
