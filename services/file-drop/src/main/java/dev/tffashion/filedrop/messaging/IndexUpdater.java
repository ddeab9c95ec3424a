package dev.tffashion.filedrop.messaging;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueStore;
import org.jboss.logging.Logger;

import dev.tffashion.filedrop.messaging.DeadLetters.DeadLetter;
import dev.tffashion.pipeline.Json;
import dev.tffashion.pipeline.graph.ValueType;
import dev.tffashion.pipeline.kafka.ValueEnvelope;
import dev.tffashion.pipeline.kafka.ValueRecords;
import dev.tffashion.pipeline.status.StatusEvent;

/**
 * Keeps one topic's global state store up to date, record by record, in Kafka Streams' global thread (while the store is
 * restored from the topic at start, and live after). Every write goes to the topic's own store, so the store stays a function
 * of its topic and Kafka Streams may rebuild it from there. The keys of a store (strings, ordered as bytes by RocksDB):
 * <ul>
 * <li>a values topic: {@code v:<id>} → the record ({@link IndexedValue}); {@code r:<timestamp>:<partition>:<offset>} → id, the
 * order of arrival (newest last); {@code t:<image>} → the tensor converted from that image (the latest);
 * {@code p:<image>} → the prediction of that image (the first); {@code q:<image>:<id>} → id, every prediction of that image
 * (a replay adds one that supersedes the earlier); {@code c:<task>/<output>} → how many distinct ids were read;</li>
 * <li>a dead-letter topic: {@code v:<id>} → the {@link DeadLetter} as JSON; {@code #count}; {@code #latest};</li>
 * <li>the status topic: {@code <task>} → the latest {@link StatusEvent}, as its record's JSON;</li>
 * <li>a compacted topic of documents ({@code <pipeline>.replay.report}): {@code <key>} → the latest record's value.</li>
 * </ul>
 * A value id read again (a retry's copy, or records read again after a crash, from the last checkpoint) changes nothing.
 * A record that cannot be read is logged and skipped.
 */
final class IndexUpdater implements Processor<String, byte[], Void, Void> {

    private static final Logger LOG = Logger.getLogger(IndexUpdater.class);
    private static final String IMAGE_INPUT = "image";

    static final String VALUE = "v:";
    static final String RECENT = "r:";
    /** The first key after every {@link #RECENT} key. */
    static final String RECENT_END = "r;";
    static final String TENSOR_OF = "t:";
    static final String PREDICTION_OF = "p:";
    static final String PREDICTIONS_OF = "q:";
    static final String COUNT = "c:";
    static final String COUNT_END = "c;";
    static final String LETTER_COUNT = "#count";
    static final String LETTER_LATEST = "#latest";

    /** What a change was, for the live feed. */
    interface Listener {

        /** A value id seen for the first time, with its stored record. */
        void value(String id, byte[] stored);

        void status(StatusEvent event);

        void deadLetter(DeadLetter letter);
    }

    private final IndexStreams.Source source;
    private final Listener listener;
    private final AtomicLong applied;
    /** The counts of the store ({@link #COUNT} and {@link #LETTER_COUNT} keys), as the store holds them (see {@link #count}). */
    private final Map<String, Long> counts = new HashMap<>();
    private ProcessorContext<Void, Void> context;
    private KeyValueStore<String, byte[]> store;

    IndexUpdater(IndexStreams.Source source, Listener listener, AtomicLong applied) {
        this.source = source;
        this.listener = listener;
        this.applied = applied;
    }

    @Override
    public void init(ProcessorContext<Void, Void> context) {
        this.context = context;
        this.store = context.getStateStore(source.store());
    }

    @Override
    public void process(Record<String, byte[]> record) {
        applied.incrementAndGet();
        if (record.value() == null) {
            return;
        }
        RecordMetadata where = context.recordMetadata().orElse(null);
        try {
            switch (source.kind()) {
                case VALUES -> value(record, where);
                case STATUS -> status(record);
                case DEAD_LETTERS -> deadLetter(record);
                case LATEST -> {
                    if (record.key() != null) {
                        store.put(record.key(), record.value());
                    }
                }
                default -> throw new IllegalStateException("unknown kind " + source.kind());
            }
        } catch (RuntimeException e) {
            LOG.warnf("index: skipped the record at %s (key %s): %s", where == null ? source.topic() : where.topic() + "-"
                + where.partition() + "@" + where.offset(), record.key(), e.getMessage());
        }
    }

    private void value(Record<String, byte[]> record, RecordMetadata where) {
        Headers headers = record.headers();
        ValueEnvelope envelope = ValueRecords.envelope(headers)
            .orElseGet(() -> ValueEnvelope.of(ValueRecords.decode(headers, record.value())));
        String key = VALUE + envelope.id();
        // The one read of a new value: a miss, answered by the stores' bloom filters without touching a data block.
        if (store.get(key) != null) {
            return;
        }
        int partition = where == null ? 0 : where.partition();
        long offset = where == null ? -1 : where.offset();
        byte[] stored = IndexedValue.encode(source.topic(), partition, offset, record.timestamp(), record.key(), headers,
            record.value());
        byte[] id = utf8(envelope.id());
        List<KeyValue<String, byte[]>> writes = new ArrayList<>(4);
        writes.add(KeyValue.pair(key, stored));
        writes.add(KeyValue.pair(recentKey(record.timestamp(), partition, offset), id));
        if (ValueType.TENSOR.wireName().equals(envelope.type())) {
            envelope.sourceIds(IMAGE_INPUT).forEach(image -> writes.add(KeyValue.pair(TENSOR_OF + image, id)));
        } else if (ValueType.PREDICTION.wireName().equals(envelope.type())) {
            for (String image : envelope.sourceIds(IMAGE_INPUT)) {
                if (store.get(PREDICTION_OF + image) == null) {
                    writes.add(KeyValue.pair(PREDICTION_OF + image, id));
                }
                writes.add(KeyValue.pair(PREDICTIONS_OF + image + ":" + envelope.id(), id));
            }
        }
        String count = COUNT + envelope.task() + "/" + envelope.output();
        long next = count(count) + 1;
        writes.add(KeyValue.pair(count, longBytes(next)));
        // One write batch per value: the value, its place in arrival order, its links and its count land together.
        store.putAll(writes);
        counts.put(count, next);
        listener.value(envelope.id(), stored);
    }

    /**
     * A count of this store, from its copy in memory: this processor is the only writer of its store, so the copy, read from
     * the store once, stays equal to it (and saves a read per value).
     */
    private long count(String key) {
        Long known = counts.get(key);
        if (known == null) {
            known = longOf(store.get(key));
            counts.put(key, known);
        }
        return known;
    }

    private void status(Record<String, byte[]> record) {
        StatusEvent event = Json.fromBytes(record.value(), StatusEvent.class);
        store.put(event.task(), record.value());
        listener.status(event);
    }

    private void deadLetter(Record<String, byte[]> record) {
        DeadLetter letter = new DeadLetter(record.key(), source.task(), header(record.headers(), "dead-letter-reason"),
            header(record.headers(), "dead-letter-topic"), Instant.ofEpochMilli(record.timestamp()));
        if (record.key() != null) {
            byte[] json = Json.toBytes(letter);
            if (store.get(VALUE + record.key()) == null) {
                increment(LETTER_COUNT);
            }
            store.put(VALUE + record.key(), json);
            byte[] latest = store.get(LETTER_LATEST);
            if (latest == null || !Json.fromBytes(latest, DeadLetter.class).at().isAfter(letter.at())) {
                store.put(LETTER_LATEST, json);
            }
        }
        listener.deadLetter(letter);
    }

    private void increment(String key) {
        long next = count(key) + 1;
        store.put(key, longBytes(next));
        counts.put(key, next);
    }

    /** The key of a value in arrival order: zero-padded, so that RocksDB's byte order is the time order. */
    static String recentKey(long timestamp, int partition, long offset) {
        StringBuilder key = new StringBuilder(RECENT.length() + 16 + 1 + 6 + 1 + 19).append(RECENT);
        pad(key, Math.max(0, timestamp), 16).append(':');
        pad(key, partition, 6).append(':');
        return pad(key, Math.max(0, offset), 19).toString();
    }

    /** Appends a number (not negative) zero-padded to at least {@code width} digits, as {@code %0<width>d} does. */
    private static StringBuilder pad(StringBuilder to, long number, int width) {
        String digits = Long.toString(number);
        for (int i = digits.length(); i < width; i++) {
            to.append('0');
        }
        return to.append(digits);
    }

    static byte[] longBytes(long value) {
        return ByteBuffer.allocate(Long.BYTES).putLong(value).array();
    }

    static long longOf(byte[] bytes) {
        return bytes == null ? 0 : ByteBuffer.wrap(bytes).getLong();
    }

    static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static String header(Headers headers, String name) {
        Header header = headers.lastHeader(name);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }
}
