package dev.tffashion.filedrop.messaging;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.tffashion.filedrop.messaging.DeadLetters.DeadLetter;
import dev.tffashion.kafkalocal.KafkaLocal;
import dev.tffashion.pipeline.AnnotatedValue;
import dev.tffashion.pipeline.contracts.PredictionValue;
import dev.tffashion.pipeline.kafka.ValueRecords;
import dev.tffashion.pipeline.status.StatusEvent;
import dev.tffashion.pipeline.store.FileContentStore;

/**
 * The index's stores on disk, against a real broker: a restart resumes from the stores' checkpoint (it reads only the records
 * that came after, not the topic from offset 0, and still answers every id), and a topic created again under the same name
 * makes it rebuild from that topic instead of answering from the old one.
 */
class IndexStreamsRestartTest {

    private static final String VALUES = "restart.predict.prediction";
    private static final Duration WAIT = Duration.ofSeconds(90);

    @TempDir
    static Path dir;

    private static KafkaLocal kafka;
    private static FileContentStore contents;

    @BeforeAll
    static void startKafka() {
        kafka = KafkaLocal.builder().dataDir(dir.resolve("kafka")).partitions(3).build().start();
        contents = new FileContentStore(dir.resolve("store"));
    }

    @AfterAll
    static void stopKafka() {
        if (kafka != null) {
            kafka.close();
        }
    }

    @Test
    void aRestartReadsOnlyWhatCameAfterItsCheckpointAndATopicCreatedAgainIsReadFromScratch() throws Exception {
        createTopic();
        List<AnnotatedValue> first = produce(0, 500);
        Path state = dir.resolve("index-state");

        try (IndexStreams index = start(state)) {
            assertEquals(500, index.recordsApplied(), "a first start reads the whole topic");
            assertAnswers(index, first);
        }

        List<AnnotatedValue> later = produce(500, 20);
        try (IndexStreams index = start(state)) {
            assertEquals(20, index.recordsApplied(), "a restart reads only the 20 records produced after its checkpoint, not 520");
            List<AnnotatedValue> all = new ArrayList<>(first);
            all.addAll(later);
            assertAnswers(index, all);
            assertEquals(520L, count(index), "values counted once each across the restart");
        }

        try (Admin admin = admin()) {
            admin.deleteTopics(List.of(VALUES)).all().get();
            await().atMost(WAIT).until(() -> !admin.listTopics().names().get().contains(VALUES));
        }
        createTopic();
        List<AnnotatedValue> recreated = produce(1000, 3);
        try (IndexStreams index = start(state)) {
            assertEquals(3, index.recordsApplied(), "the new topic is read from its start");
            assertAnswers(index, recreated);
            assertFalse(index.get(source(), IndexUpdater.VALUE + first.get(0).id()).isPresent(),
                "values of the deleted topic are gone from the rebuilt stores");
            assertEquals(3L, count(index));
        }
    }

    private static IndexStreams start(Path state) {
        List<String> changes = new CopyOnWriteArrayList<>();
        IndexStreams index = new IndexStreams("restart-test-index", Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
            kafka.bootstrapServers()), List.of(source()), state, new IndexUpdater.Listener() {
                @Override
                public void value(String id, byte[] stored) {
                    changes.add(id);
                }

                @Override
                public void status(StatusEvent event) {
                }

                @Override
                public void deadLetter(DeadLetter letter) {
                }
            }, () -> { }, Map.of());
        index.start();
        await().atMost(WAIT).until(index::ready);
        return index;
    }

    private static void assertAnswers(IndexStreams index, List<AnnotatedValue> values) {
        for (AnnotatedValue value : values) {
            Optional<byte[]> stored = index.get(source(), IndexUpdater.VALUE + value.id());
            assertTrue(stored.isPresent(), "value " + value.id() + " answered");
            assertEquals(value.id(), ValueRecords.decode(IndexedValue.decode(stored.get()).headers(),
                IndexedValue.decode(stored.get()).value()).id());
            String image = value.sourceInputs().stream().filter(s -> s.input().equals("image")).findFirst().orElseThrow().ids().get(0);
            assertEquals(value.id(), index.get(source(), IndexUpdater.PREDICTION_OF + image)
                .map(b -> new String(b, StandardCharsets.UTF_8)).orElse(null), "prediction of " + image);
        }
    }

    private static long count(IndexStreams index) {
        return index.get(source(), IndexUpdater.COUNT + "predict/prediction").map(IndexUpdater::longOf).orElse(0L);
    }

    private static IndexStreams.Source source() {
        return new IndexStreams.Source(VALUES, IndexStreams.Kind.VALUES, "predict");
    }

    private static List<AnnotatedValue> produce(int from, int count) throws Exception {
        List<AnnotatedValue> values = new ArrayList<>();
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                kafka.bootstrapServers(), ProducerConfig.ACKS_CONFIG, "all"), new StringSerializer(), new ByteArraySerializer())) {
            for (int n = from; n < from + count; n++) {
                AnnotatedValue prediction = PredictionValue.of("restart", "tensor-" + n, "img-" + n, "endpoint-1",
                    new PredictionValue.Content(n % 10, "class " + n, 0.9f, List.of(), false,
                        new PredictionValue.Model("fashion", 1, "serving_default"))).toValue(contents);
                RecordHeaders headers = new RecordHeaders();
                byte[] bytes = ValueRecords.encode(prediction, headers);
                producer.send(new ProducerRecord<>(VALUES, null, prediction.id(), bytes, headers));
                values.add(prediction);
            }
            producer.flush();
        }
        return values;
    }

    private static void createTopic() throws Exception {
        try (Admin admin = admin()) {
            admin.createTopics(List.of(new NewTopic(VALUES, 3, (short) 1))).all().get();
        }
    }

    private static Admin admin() {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()));
    }
}
