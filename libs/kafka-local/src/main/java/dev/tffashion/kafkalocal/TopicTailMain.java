package dev.tffashion.kafkalocal;

import java.nio.charset.StandardCharsets;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import dev.tffashion.pipeline.AnnotatedValue;
import dev.tffashion.pipeline.Json;
import dev.tffashion.pipeline.MalformedValueException;
import dev.tffashion.pipeline.contracts.TensorValue;
import dev.tffashion.pipeline.kafka.CloudEventHeaders;
import dev.tffashion.pipeline.kafka.ValueRecords;

/**
 * {@code bin/tf-fashion tail <topic>}: prints a topic's values as JSON lines, from the beginning, then follows it (or stops at
 * the end with {@code --exit}). Reads every partition without a consumer group, so it never disturbs the services. A tensor
 * record (raw float32 values, its annotated value in headers) is printed for people: its envelope and a summary of the values
 * (shape, min, max, mean), not 784 floats; the preview PNG is shown by its size.
 */
public final class TopicTailMain {

    private TopicTailMain() {
    }

    public static void main(String[] args) {
        String bootstrap = "127.0.0.1:9092";
        String topic = null;
        boolean exitAtEnd = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--bootstrap" -> bootstrap = args[++i];
                case "--topic" -> topic = args[++i];
                case "--exit", "-e" -> exitAtEnd = true;
                default -> {
                    System.err.println("usage: tail --bootstrap HOST:PORT --topic TOPIC [--exit]; unknown option " + args[i]);
                    System.exit(2);
                }
            }
        }
        if (topic == null) {
            System.err.println("usage: tail --bootstrap HOST:PORT --topic TOPIC [--exit]");
            System.exit(2);
        }
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        // What the services see: no record of an aborted or open transaction (README, "Exactly once")
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, "tf-fashion-tail");
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            List<PartitionInfo> infos = consumer.partitionsFor(topic, Duration.ofSeconds(15));
            if (infos == null || infos.isEmpty()) {
                System.err.println("topic " + topic + " does not exist on " + bootstrap
                        + " (topics are created when the services start; is the pipeline up?)");
                System.exit(1);
            }
            List<TopicPartition> partitions = new ArrayList<>();
            infos.forEach(p -> partitions.add(new TopicPartition(p.topic(), p.partition())));
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            var end = consumer.endOffsets(partitions);
            while (true) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(500))) {
                    if (record.value() != null) {
                        System.out.println(line(record));
                    }
                }
                System.out.flush();
                if (exitAtEnd && end.entrySet().stream().allMatch(e -> consumer.position(e.getKey()) >= e.getValue())) {
                    return;
                }
            }
        } catch (org.apache.kafka.common.errors.TimeoutException e) {
            System.err.println("cannot reach Kafka at " + bootstrap + ": " + e.getMessage() + " (bin/tf-fashion up starts it)");
            System.exit(1);
        }
    }

    /** One line for a record: a tensor's summary, or the value's own text (JSON values, status events, dead letters). */
    static String line(ConsumerRecord<byte[], byte[]> record) {
        if (ValueRecords.isTensorMediaType(CloudEventHeaders.text(record.headers(), CloudEventHeaders.CONTENT_TYPE))) {
            try {
                return Json.toString(tensorSummary(ValueRecords.decode(record.headers(), record.value()), record.value()));
            } catch (MalformedValueException e) {
                return "{\"error\":" + Json.toString("not a readable tensor record: " + e.getMessage()) + "}";
            }
        }
        return new String(record.value(), StandardCharsets.UTF_8).replace('\n', ' ');
    }

    /** The envelope of a tensor value and what its values are like. */
    static Map<String, Object> tensorSummary(AnnotatedValue value, byte[] data) {
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("id", value.id());
        line.put("type", value.type());
        line.put("source", "/" + value.pipeline() + "/" + value.task() + "/" + value.output());
        line.put("createdAt", value.createdAt().toString());
        line.put("sourceInputs", value.sourceInputs());
        line.put("mediaType", value.mediaType());
        line.put("sha256", value.sha256());
        Map<String, String> annotations = new LinkedHashMap<>(value.annotations());
        String preview = annotations.get(TensorValue.PREVIEW_PNG);
        if (preview != null) {
            annotations.put(TensorValue.PREVIEW_PNG, "(" + preview.length() * 3 / 4 + " bytes of PNG; GET /v1/values/" + value.id()
                + "/preview)");
        }
        line.put("annotations", annotations);
        Map<String, Object> values = new LinkedHashMap<>();
        values.put("shape", TensorValue.shapeOf("tensor " + value.id(), value.mediaType()));
        FloatSummary summary = FloatSummary.of(data);
        values.put("count", summary.count());
        values.put("min", summary.min());
        values.put("max", summary.max());
        values.put("mean", summary.mean());
        line.put("tensor", values);
        return line;
    }

    /** Count, min, max and mean of float32 little-endian values. */
    record FloatSummary(int count, float min, float max, double mean) {
        static FloatSummary of(byte[] data) {
            ByteBuffer floats = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
            int count = data.length / Float.BYTES;
            float min = Float.POSITIVE_INFINITY;
            float max = Float.NEGATIVE_INFINITY;
            double sum = 0;
            for (int i = 0; i < count; i++) {
                float v = floats.getFloat(i * Float.BYTES);
                min = Math.min(min, v);
                max = Math.max(max, v);
                sum += v;
            }
            if (count == 0) {
                return new FloatSummary(0, 0, 0, 0);
            }
            return new FloatSummary(count, min, max, Math.round(sum / count * 1e4) / 1e4);
        }
    }
}
