package dev.tffashion.e2e;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

import dev.tffashion.pipeline.AnnotatedValue;
import dev.tffashion.pipeline.Json;
import dev.tffashion.pipeline.MalformedValueException;
import dev.tffashion.pipeline.kafka.ValueRecords;

/**
 * Records every record of every {@code <pipeline>.*} topic from the beginning, on a background thread, so that tests
 * can wait for values and count duplicates and dead letters. Reads tf-fashion.* topics; writes nothing.
 */
public final class TopicRecorder implements AutoCloseable {

    /**
     * One record as seen: topic, key, the raw value as text ({@code raw}, for JSON records and dead letters), the annotated value
     * decoded through {@link ValueRecords#decode} (null when the record is not one: status events, dead letters), the value as a
     * JSON tree (the annotated value's, or the record's own JSON, or null), the record timestamp and headers.
     */
    public record Seen(String topic, String key, String raw, AnnotatedValue annotated, JsonNode value, long timestamp,
            long receivedAtMillis, Map<String, String> headers) {

        /** What a pipeline record carries, read the way every reader of the project reads it. */
        public static Seen of(ConsumerRecord<String, byte[]> record, long receivedAtMillis) {
            var headers = new LinkedHashMap<String, String>();
            record.headers().forEach(h -> headers.put(h.key(),
                h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8)));
            if (record.value() == null) {
                return new Seen(record.topic(), record.key(), null, null, null, record.timestamp(), receivedAtMillis, headers);
            }
            AnnotatedValue annotated = null;
            try {
                annotated = ValueRecords.decode(record.headers(), record.value());
            } catch (MalformedValueException notAValue) {
                annotated = null;
            }
            String raw = annotated != null && ValueRecords.isBinary(annotated) ? null : new String(record.value(), StandardCharsets.UTF_8);
            JsonNode value;
            if (annotated != null) {
                value = Json.mapper().valueToTree(annotated);
            } else {
                try {
                    value = Jsons.read(raw);
                } catch (IllegalArgumentException notJson) {
                    value = null;
                }
            }
            return new Seen(record.topic(), record.key(), raw, annotated, value, record.timestamp(), receivedAtMillis, headers);
        }

        /** An annotation of the annotated value, or null. */
        public String annotation(String name) {
            return annotated == null ? null : annotated.annotation(name);
        }

        /** The ids of one lineage input of the annotated value. */
        public List<String> sourceIds(String input) {
            return annotated == null ? List.of() : annotated.sourceIds(input);
        }

        /** The value id. */
        public String id() {
            return annotated == null ? key : annotated.id();
        }
    }

    private final List<Seen> seen = new CopyOnWriteArrayList<>();
    private final KafkaConsumer<String, byte[]> consumer;
    private final Thread thread;
    private volatile boolean running = true;

    /** Starts recording all topics named {@code <pipeline>.*}, new ones included (metadata refreshed every second). */
    public TopicRecorder(String bootstrap, String pipeline) {
        var props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ConsumerConfig.GROUP_ID_CONFIG, "e2e-recorder-" + UUID.randomUUID());
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        // The readers of README "Exactly once": committed records only
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.METADATA_MAX_AGE_CONFIG, "1000");
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "2000");
        props.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, "20");
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        consumer = new KafkaConsumer<>(props);
        consumer.subscribe(Pattern.compile(Pattern.quote(pipeline + ".") + ".*"));
        thread = new Thread(this::run, "e2e-topic-recorder");
        thread.setDaemon(true);
        thread.start();
    }

    private void run() {
        try {
            while (running) {
                var records = consumer.poll(Duration.ofMillis(200));
                long now = System.currentTimeMillis();
                for (var record : records) {
                    seen.add(Seen.of(record, now));
                }
            }
        } catch (WakeupException e) {
            if (running) {
                throw e;
            }
        } finally {
            consumer.close(Duration.ofSeconds(5));
        }
    }

    /** Every record of a topic seen so far (full topic name), in order. */
    public List<Seen> of(String topic) {
        return seen.stream().filter(s -> s.topic().equals(topic)).toList();
    }

    /** Records of a topic that match. */
    public List<Seen> of(String topic, Predicate<Seen> filter) {
        return seen.stream().filter(s -> s.topic().equals(topic) && filter.test(s)).toList();
    }

    /** Every record seen so far on the topics whose names end with {@code suffix} (e.g. {@code .dlq}: every dead letter). */
    public List<Seen> endingWith(String suffix) {
        return seen.stream().filter(s -> s.topic().endsWith(suffix)).toList();
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        consumer.wakeup();
        thread.join(10_000);
    }
}
