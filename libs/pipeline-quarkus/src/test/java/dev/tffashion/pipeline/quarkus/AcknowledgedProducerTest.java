package dev.tffashion.pipeline.quarkus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;

import dev.tffashion.kafkalocal.TopicAdmin;
import dev.tffashion.kafkalocal.TopicSpec;
import dev.tffashion.kafkalocal.testing.KafkaTestResource;

/** {@link AcknowledgedProducer} against a real broker (kafka-local), and against an address where no broker answers. */
class AcknowledgedProducerTest {

    @Test
    void aSentRecordIsOnTheTopicWhenSendReturns() {
        KafkaTestResource kafka = new KafkaTestResource();
        kafka.init(Map.of());
        String bootstrap = kafka.start().get("kafka.bootstrap.servers");
        TopicAdmin.ensureTopics(bootstrap, List.of(TopicSpec.of("acknowledged", 1)));
        try (AcknowledgedProducer producer = new AcknowledgedProducer(
                Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap, "not-a-kafka-setting", "ignored"), "test-acknowledged");
            KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"), new StringDeserializer(), new StringDeserializer())) {
            producer.send(new ProducerRecord<>("acknowledged", "k1", "v1".getBytes(StandardCharsets.UTF_8)), Duration.ofSeconds(30));

            // No wait and no retry: once send returned, the record is there
            TopicPartition partition = new TopicPartition("acknowledged", 0);
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            List<ConsumerRecord<String, String>> records = consumer.poll(Duration.ofSeconds(10)).records(partition);
            assertEquals(1, records.size());
            assertEquals("k1", records.get(0).key());
            assertEquals("v1", records.get(0).value());
        } finally {
            kafka.stop();
        }
    }

    @Test
    void noBrokerIsANotAcknowledgedExceptionThatSaysWhatWasNotSent() throws Exception {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        try (AcknowledgedProducer producer = new AcknowledgedProducer(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                "127.0.0.1:" + port, ProducerConfig.MAX_BLOCK_MS_CONFIG, 500), "test-no-broker")) {
            var e = assertThrows(AcknowledgedSend.NotAcknowledgedException.class, () -> producer.send(
                new ProducerRecord<>("nowhere", "k1", new byte[] {1}), Duration.ofSeconds(2)));
            assertTrue(e.getMessage().contains("k1") && e.getMessage().contains("nowhere"), e.getMessage());
        }
    }
}
