package dev.tffashion.e2e.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

import dev.tffashion.pipeline.AnnotatedValue;
import dev.tffashion.pipeline.kafka.ValueRecords;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * The bench's lean reader of the image path: for each image id, the record timestamps of its hops (droppedFile, tensor,
 * prediction), the predicted label and a dead letter if any. Every record goes through {@link ValueRecords#decode}; only
 * these few fields are kept, so hundreds of thousands of pictures fit. Reads tf-fashion.imageInput.droppedFile,
 * tf-fashion.imageConvert.tensor, tf-fashion.predict.prediction, tf-fashion.imageConvert.dlq and tf-fashion.predict.dlq;
 * writes nothing.
 */
final class PipelineRecords implements AutoCloseable {

    static final String DROPPED = "tf-fashion.imageInput.droppedFile";
    static final String TENSORS = "tf-fashion.imageConvert.tensor";
    static final String PREDICTIONS = "tf-fashion.predict.prediction";
    static final List<String> DEAD_LETTERS = List.of("tf-fashion.imageConvert.dlq", "tf-fashion.predict.dlq");
    private static final String IMAGE_INPUT = "image";

    /** What became of one image: record timestamps (epoch ms, 0 = not seen yet), the label (-1 = none), a dead letter. */
    static final class Trace {
        volatile long dropped;
        volatile long tensor;
        volatile long predicted;
        volatile int label = -1;
        /** The model version of the prediction (its {@code modelVersion} annotation), null until predicted. */
        volatile String version;
        volatile String deadLetter;

        boolean done() {
            return predicted != 0 || deadLetter != null;
        }
    }

    private final Map<String, Trace> traces = new ConcurrentHashMap<>();
    private final AtomicLong predictionRecords = new AtomicLong();
    private final AtomicLong undecodable = new AtomicLong();
    private final KafkaConsumer<String, byte[]> consumer;
    private final Thread thread;
    private volatile Consumer<String> onOutcome = id -> { };
    private volatile boolean running = true;
    private volatile Throwable failure;

    PipelineRecords(String bootstrap) {
        var props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ConsumerConfig.GROUP_ID_CONFIG, "bench-records-" + UUID.randomUUID());
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.METADATA_MAX_AGE_CONFIG, "1000");
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "5000");
        // Records carry their own timestamps, so the reader need not be quick: a fetch is answered as soon as a record is there,
        // and an empty one waits 500 ms, so the broker's CPU (counted in the pipeline's) is not spent on an idle bench reader
        props.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, "500");
        consumer = new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer());
        var topics = new ArrayList<>(List.of(DROPPED, TENSORS, PREDICTIONS));
        topics.addAll(DEAD_LETTERS);
        consumer.subscribe(topics);
        thread = new Thread(this::run, "bench-records");
        thread.setDaemon(true);
        thread.start();
    }

    /** Called on this reader's thread with the image id, once per image, when its first prediction or dead letter arrives. */
    void onOutcome(Consumer<String> listener) {
        onOutcome = listener;
    }

    /** The trace of an image, or null when none of its records was seen. */
    Trace trace(String imageId) {
        return traces.get(imageId);
    }

    /** Forgets images (after a phase), so that long runs stay small. */
    void forget(Iterable<String> imageIds) {
        imageIds.forEach(traces::remove);
    }

    /** Prediction records seen in all (duplicates included). */
    long predictionRecords() {
        return predictionRecords.get();
    }

    /** Records that {@link ValueRecords#decode} refused (should stay 0 in a bench run). */
    long undecodable() {
        return undecodable.get();
    }

    /** Fails when the reader thread died. */
    void requireRunning() {
        if (failure != null) {
            throw new IllegalStateException("the bench's record reader failed: " + failure, failure);
        }
    }

    private void run() {
        try {
            while (running) {
                for (var record : consumer.poll(Duration.ofMillis(100))) {
                    take(record);
                }
            }
        } catch (WakeupException e) {
            if (running) {
                failure = e;
            }
        } catch (RuntimeException | Error e) {
            failure = e;
        } finally {
            consumer.close(Duration.ofSeconds(5));
        }
    }

    private void take(ConsumerRecord<String, byte[]> record) {
        AnnotatedValue value;
        try {
            value = ValueRecords.decode(record.headers(), record.value());
        } catch (RuntimeException e) {
            undecodable.incrementAndGet();
            if (DEAD_LETTERS.contains(record.topic()) && record.key() != null) {
                deadLetter(record.key(), record.topic());
            }
            return;
        }
        long at = record.timestamp();
        switch (record.topic()) {
            case DROPPED -> {
                var trace = traces.computeIfAbsent(value.id(), k -> new Trace());
                if (trace.dropped == 0) {
                    trace.dropped = at;
                }
            }
            case TENSORS -> {
                for (var image : value.sourceIds(IMAGE_INPUT)) {
                    var trace = traces.computeIfAbsent(image, k -> new Trace());
                    if (trace.tensor == 0) {
                        trace.tensor = at;
                    }
                }
            }
            case PREDICTIONS -> {
                predictionRecords.incrementAndGet();
                for (var image : value.sourceIds(IMAGE_INPUT)) {
                    var trace = traces.computeIfAbsent(image, k -> new Trace());
                    if (!trace.done()) {
                        var label = value.annotation("label");
                        trace.label = label == null ? -1 : Integer.parseInt(label);
                        trace.version = value.annotation("modelVersion");
                        trace.predicted = at;
                        onOutcome.accept(image);
                    }
                }
            }
            default -> {
                var images = value.sourceIds(IMAGE_INPUT);
                for (var image : images.isEmpty() ? List.of(value.id()) : images) {
                    deadLetter(image, record.topic());
                }
            }
        }
    }

    private void deadLetter(String image, String topic) {
        var trace = traces.computeIfAbsent(image, k -> new Trace());
        if (!trace.done()) {
            trace.deadLetter = topic;
            onOutcome.accept(image);
        }
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        consumer.wakeup();
        thread.join(10_000);
    }
}
