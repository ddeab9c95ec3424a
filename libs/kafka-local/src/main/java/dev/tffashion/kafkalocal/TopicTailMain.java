package dev.tffashion.kafkalocal;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * {@code bin/tf-fashion tail <topic>}: prints a topic's values as JSON lines, from the beginning, then follows it (or stops at
 * the end with {@code --exit}). Reads every partition without a consumer group, so it never disturbs the services.
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
                        System.out.println(new String(record.value(), StandardCharsets.UTF_8).replace('\n', ' '));
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
}
