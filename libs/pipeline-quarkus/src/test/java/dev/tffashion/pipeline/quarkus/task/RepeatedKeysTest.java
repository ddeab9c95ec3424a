package dev.tffashion.pipeline.quarkus.task;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.tffashion.kafkalocal.TopicAdmin;
import dev.tffashion.kafkalocal.TopicSpec;
import dev.tffashion.kafkalocal.testing.KafkaTestResource;

/** {@link RepeatedKeys} against a real broker (kafka-local): copies in one run, after a restart (read back), and the window. */
class RepeatedKeysTest {

    private static KafkaTestResource kafka;
    private static Map<String, Object> settings;

    @BeforeAll
    static void startKafka() throws Exception {
        kafka = new KafkaTestResource();
        kafka.init(Map.of());
        String bootstrap = kafka.start().get("kafka.bootstrap.servers");
        settings = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        TopicAdmin.ensureTopics(bootstrap, List.of(TopicSpec.of("drops", 1)));
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
            ProducerConfig.ACKS_CONFIG, "all"), new StringSerializer(), new StringSerializer())) {
            // offsets 0..5: a, b, a (copy), c, d, b (copy)
            for (String key : List.of("a", "b", "a", "c", "d", "b")) {
                producer.send(new ProducerRecord<>("drops", 0, key, "v-" + key)).get();
            }
        }
    }

    @AfterAll
    static void stopKafka() {
        if (kafka != null) {
            kafka.stop();
        }
    }

    @Test
    void aLaterCopyInTheSameRunIsRepeatedTheFirstIsNot() {
        RepeatedKeys repeats = new RepeatedKeys(settings, 100);
        assertFalse(repeats.repeated("drops", 0, 0, "a"));
        assertFalse(repeats.repeated("drops", 0, 1, "b"));
        assertTrue(repeats.repeated("drops", 0, 2, "a"), "a again at offset 2");
        assertFalse(repeats.repeated("drops", 0, 3, "c"));
        // The batch was aborted and is read again from offset 0: the first copies are still firsts, the copy still a copy
        assertFalse(repeats.repeated("drops", 0, 0, "a"), "the same record read again is not a copy of itself");
        assertTrue(repeats.repeated("drops", 0, 2, "a"));
        assertFalse(repeats.repeated("drops", 0, 1, "b"));
    }

    @Test
    void afterARestartTheRecordsBeforeTheFirstOneReadAreReadBack() {
        RepeatedKeys repeats = new RepeatedKeys(settings, 100);
        // A new process starts at the committed offset 4: "b" at offset 5 is a copy of offset 1, read back from the topic
        assertFalse(repeats.repeated("drops", 0, 4, "d"));
        assertTrue(repeats.repeated("drops", 0, 5, "b"), "the original at offset 1 was read back");
    }

    @Test
    void aReadBackStartedAtAssignmentServesThePartitionsFirstRecord() {
        RepeatedKeys repeats = new RepeatedKeys(settings, 100);
        // Assigned at offset 2: offsets 0 and 1 (a, b) are read back in the background. The first record then comes at offset 4, so
        // offset 3 was no data for that consumer (a control record, say): the window is the prefetched one, which does not hold "c"
        repeats.prefetch(Map.of(new TopicPartition("drops", 0), 2L));
        assertFalse(repeats.repeated("drops", 0, 4, "c"), "the prefetch, read back to offset 2, stands for the window");
        assertTrue(repeats.repeated("drops", 0, 5, "b"), "the original at offset 1 came with the prefetch");
        // A prefetch for a partition already seen changes nothing
        repeats.prefetch(Map.of(new TopicPartition("drops", 0), 1L));
        assertTrue(repeats.repeated("drops", 0, 5, "b"));
    }

    @Test
    void aPrefetchPastTheFirstRecordIsNotUsedItIsReadBackThen() {
        RepeatedKeys repeats = new RepeatedKeys(settings, 100);
        // The prefetch ends at offset 5, but the first record comes at offset 3 (the consumer was moved back): offsets 0..2 are
        // read back for it, and "b" at offset 5 is then a copy of offset 1 through that window
        repeats.prefetch(Map.of(new TopicPartition("drops", 0), 5L));
        assertFalse(repeats.repeated("drops", 0, 3, "c"));
        assertTrue(repeats.repeated("drops", 0, 5, "b"));
    }

    @Test
    void aCopyOlderThanTheWindowIsNotRecognized() {
        RepeatedKeys repeats = new RepeatedKeys(settings, 2);
        // Starting at offset 5 with a window of 2 reads back offsets 3 and 4 only: the "b" of offset 1 is out of reach
        assertFalse(repeats.repeated("drops", 0, 5, "b"));
        assertThrows(IllegalArgumentException.class, () -> new RepeatedKeys(settings, 0));
    }
}
