package dev.tffashion.predict.replay;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;

import jakarta.inject.Inject;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.tensorflow.SavedModelBundle;

import dev.tffashion.kafkalocal.testing.KafkaTestResource;
import dev.tffashion.modelserver.ModelServer;
import dev.tffashion.pipeline.AnnotatedValue;
import dev.tffashion.pipeline.contracts.replay.ReplayReport;
import dev.tffashion.pipeline.contracts.replay.ReplayRequest;
import dev.tffashion.pipeline.contracts.replay.ReplayTally;
import dev.tffashion.pipeline.contracts.replay.Replays;
import dev.tffashion.pipeline.graph.PipelineGraph;
import dev.tffashion.pipeline.kafka.ValueRecords;
import dev.tffashion.pipeline.store.ContentStore;
import dev.tffashion.predict.Classification;
import dev.tffashion.predict.Endpoint;
import dev.tffashion.predict.Predictions;
import dev.tffashion.predict.SavedModels;
import dev.tffashion.predict.TestValues;
import dev.tffashion.predict.TopicReader;
import dev.tffashion.predict.client.PredictionClient;
import dev.tffashion.tfserving.client.TfServingConnection;
import dev.tffashion.tfserving.client.TfServingSettings;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/**
 * A replay end to end in the predict service, with a real Kafka and a real TF Serving peer (libs/model-server): images are
 * predicted live by version 1; version 2 arrives; part of the tensor topic is deleted (as retention would); a replay v1 -> v2
 * re-predicts the rest. Its flip report must equal comparing both SavedModels in this process, image by image, and the images whose
 * tensors are gone must be reported out of reach. Posting the same replay again makes no new value. The image count is
 * {@code -Dreplay.images} (default 120; issue 16 asks 10000 for the full run).
 */
@QuarkusTest
@TestProfile(ReplayFlowTest.Profile.class)
@WithTestResource(value = KafkaTestResource.class, scope = TestResourceScope.MATCHING_RESOURCES)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ReplayFlowTest {

    /** A pipeline of its own, so the other flow tests' records are not replayed. */
    public static final class Profile implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("tf-fashion.pipeline", PIPELINE, "predict.replay.step-records", "40", "predict.replay.await-version",
                AWAIT_VERSION.toSeconds() + "s", "predict.replay.await-version-heartbeat", "1s");
        }
    }

    static final String PIPELINE = "replayflow";
    private static final PipelineGraph GRAPH = PipelineGraph.load(PIPELINE);
    private static final int IMAGES = Integer.getInteger("replay.images", 120);
    private static final Duration TIMEOUT = Duration.ofSeconds(Math.max(60, IMAGES / 20));
    private static final Duration AWAIT_VERSION = Duration.ofSeconds(4);

    private static Path models;
    private static ModelServer server;
    private static KafkaProducer<String, byte[]> producer;

    @Inject
    ContentStore store;

    @Inject
    PredictionClient client;

    @BeforeAll
    static void start() throws Exception {
        models = Files.createTempDirectory("replay-models");
        SavedModels.export(models.resolve("fashion").resolve("1"), SavedModels.RECIPE, 11);
        server = ModelServer.builder().modelName("fashion").modelBasePath(models.resolve("fashion")).grpcPort(0)
            .restPort(ModelServer.DISABLED).pollInterval(Duration.ofMillis(200)).build().start();
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaTestResource.bootstrapServers());
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        producer = new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer());
    }

    @AfterAll
    static void stop() throws Exception {
        if (producer != null) {
            producer.close();
        }
        if (server != null) {
            server.close();
        }
        if (models != null) {
            try (Stream<Path> walk = Files.walk(models)) {
                walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    @Test
    @Order(1)
    void aReplayFlipsWhatComparingBothModelsFlipsAndReportsWhatIsOutOfReach() throws Exception {
        String bootstrap = KafkaTestResource.bootstrapServers();
        String tensorTopic = GRAPH.inputTopic("predict", "tensor");
        send(GRAPH.inputTopic("predict", "endpoint"), null, TestValues.endpoint(server.grpcTarget(), "fashion", 1L, null));
        Map<String, Integer> seeds = new HashMap<>();
        Map<String, RecordMetadata> where = new HashMap<>();
        for (int i = 0; i < IMAGES; i++) {
            AnnotatedValue tensor = TestValues.tensor("replay-img-" + i, 5000 + i);
            seeds.put(tensor.id(), 5000 + i);
            where.put(tensor.id(), send(tensorTopic, null, tensor));
        }
        Map<String, AnnotatedValue> live = new HashMap<>();
        try (TopicReader predictions = new TopicReader(bootstrap, GRAPH.topic("predict", "prediction"))) {
            for (String tensor : seeds.keySet()) {
                ConsumerRecord<String, byte[]> r = predictions.await(Predictions.id(tensor, "fashion", 1), TIMEOUT);
                live.put(tensor, ValueRecords.decode(r.headers(), r.value()));
            }
        }

        // Version 2 arrives (written elsewhere, then moved in whole); v1 keeps the live predictions it made.
        Path staging = Files.createTempDirectory(models, "staging");
        SavedModels.export(staging.resolve("2"), SavedModels.RECIPE, 33);
        Files.move(staging.resolve("2"), models.resolve("fashion").resolve("2"), StandardCopyOption.ATOMIC_MOVE);
        Endpoint v2 = new Endpoint("e", server.grpcTarget(), "fashion", 2L, null);
        await().atMost(TIMEOUT).ignoreExceptions().until(() -> client.metadata(v2).version() == 2);

        // Retention took the oldest tensors of partition 0: those images are out of reach.
        TopicPartition first = new TopicPartition(tensorTopic, 0);
        long cut = where.values().stream().filter(m -> m.partition() == 0).mapToLong(RecordMetadata::offset).min().orElse(0) + 3;
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            admin.deleteRecords(Map.of(first, RecordsToDelete.beforeOffset(cut))).all().get();
        }
        Set<String> gone = new HashSet<>();
        where.forEach((tensor, m) -> {
            if (m.partition() == 0 && m.offset() < cut) {
                gone.add(live.get(tensor).sourceIds("image").get(0));
            }
        });
        assertFalse(gone.isEmpty());

        ReplayRequest request = ReplayRequest.between(1, 2);
        send(GRAPH.replayRequestTopic(), request.id(), request.toJson());
        ReplayReport report;
        try (TopicReader reports = new TopicReader(bootstrap, GRAPH.replayReportTopic())) {
            ConsumerRecord<String, byte[]> done = reports.await(r -> request.id().equals(r.key())
                && ReplayReport.fromJson(r.value()).state() != ReplayReport.State.RUNNING, TIMEOUT);
            report = ReplayReport.fromJson(done.value());
        }
        assertEquals(ReplayReport.State.DONE, report.state(), report.reason());

        // The same comparison in this process, image by image.
        Map<String, int[]> expectedFlips = new TreeMap<>();
        Map<String, Long> expectedChanges = new TreeMap<>();
        long[][] rows = new long[10][4];
        try (SavedModelBundle one = SavedModels.load(models.resolve("fashion").resolve("1"));
                SavedModelBundle two = SavedModels.load(models.resolve("fashion").resolve("2"))) {
            for (var entry : seeds.entrySet()) {
                String image = live.get(entry.getKey()).sourceIds("image").get(0);
                if (gone.contains(image)) {
                    continue;
                }
                float[] pixels = TestValues.pixels(entry.getValue(), 784);
                int before = argmax(SavedModels.inProcess(one, SavedModels.RECIPE, pixels));
                int after = argmax(SavedModels.inProcess(two, SavedModels.RECIPE, pixels));
                assertEquals(Integer.toString(before), live.get(entry.getKey()).annotation("label"), "v1's live prediction");
                rows[before][0]++;
                rows[after][1]++;
                if (before != after) {
                    rows[before][2]++;
                    rows[after][3]++;
                    expectedFlips.put(image, new int[] {before, after});
                    expectedChanges.merge(Classification.CLASS_NAMES.get(before) + " -> " + Classification.CLASS_NAMES.get(after), 1L,
                        Long::sum);
                }
            }
        }
        ReplayReport.Counts counts = report.counts();
        assertEquals(IMAGES, counts.selected());
        assertEquals(IMAGES - gone.size(), counts.replayed());
        assertEquals(gone.size(), counts.outOfReach());
        assertEquals(expectedFlips.size(), counts.flipped());
        assertEquals(expectedChanges, new TreeMap<>(report.changes()));
        List<ReplayReport.ClassRow> expectedRows = new ArrayList<>();
        for (int label = 0; label < 10; label++) {
            if (rows[label][0] + rows[label][1] > 0) {
                expectedRows.add(new ReplayReport.ClassRow(label, Classification.CLASS_NAMES.get(label), rows[label][0], rows[label][1],
                    rows[label][2], rows[label][3]));
            }
        }
        assertEquals(expectedRows, report.perClass());
        ReplayReport.Details details = ReplayTally.details(report, store);
        Map<String, int[]> reported = new TreeMap<>();
        details.flips().forEach(f -> reported.put(f.imageId(), new int[] {f.beforeLabel(), f.afterLabel()}));
        assertEquals(expectedFlips.keySet(), reported.keySet());
        expectedFlips.forEach((image, labels) -> assertEquals(List.of(labels[0], labels[1]),
            List.of(reported.get(image)[0], reported.get(image)[1]), image));
        assertEquals(new TreeSet<>(gone), new TreeSet<>(details.outOfReach()));

        // Each new value supersedes the live one, and its id comes from the replay and the tensor.
        List<AnnotatedValue> replayed = replayedValues(request);
        assertEquals(IMAGES - gone.size(), replayed.size());
        for (AnnotatedValue value : replayed) {
            String tensor = value.sourceIds("tensor").get(0);
            assertEquals(ReplayRequest.predictionId(request.id(), tensor), value.id());
            assertEquals(List.of(live.get(tensor).id()), value.sourceIds(Replays.SUPERSEDES));
            assertEquals("2", value.annotation("modelVersion"));
        }

        // The same replay twice makes no new value: a marker replay after it (one that selects nothing) shows it was read.
        send(GRAPH.replayRequestTopic(), request.id(), request.toJson());
        ReplayRequest marker = ReplayRequest.window(2, Instant.parse("2000-01-01T00:00:00Z"), Instant.parse("2000-01-02T00:00:00Z"));
        send(GRAPH.replayRequestTopic(), marker.id(), marker.toJson());
        try (TopicReader reports = new TopicReader(bootstrap, GRAPH.replayReportTopic())) {
            ReplayReport markerReport = ReplayReport.fromJson(reports.await(r -> marker.id().equals(r.key())
                && ReplayReport.fromJson(r.value()).state() == ReplayReport.State.DONE, TIMEOUT).value());
            assertEquals(0, markerReport.counts().selected());
        }
        assertEquals(1, readAll(GRAPH.replayReportTopic()).stream().filter(r -> request.id().equals(r.key())
            && ReplayReport.fromJson(r.value()).state() == ReplayReport.State.DONE).count(), "one DONE report of the replay");
        assertEquals(IMAGES - gone.size(), replayedValues(request).size());
        assertTrue(counts.toScan() > 0 && counts.scanned() == counts.toScan(), counts.toString());
    }

    /**
     * After the first test: its images predicted, a replay to a version the model server does not have waits
     * {@code predict.replay.await-version} for it (its report says so), then fails with what to do.
     */
    @Test
    @Order(2)
    void aReplayToAVersionTheServerDoesNotServeWaitsForItThenFailsWithWhatToDo() throws Exception {
        ReplayRequest request = ReplayRequest.window(99, Instant.parse("2000-01-01T00:00:00Z"), Instant.now().plusSeconds(3600));
        long sent = System.nanoTime();
        send(GRAPH.replayRequestTopic(), request.id(), request.toJson());
        ReplayReport report;
        ReplayReport waiting;
        try (TopicReader reports = new TopicReader(KafkaTestResource.bootstrapServers(), GRAPH.replayReportTopic())) {
            waiting = ReplayReport.fromJson(reports.await(r -> request.id().equals(r.key()) && waits(ReplayReport.fromJson(r.value()),
                99), TIMEOUT).value());
            report = ReplayReport.fromJson(reports.await(r -> request.id().equals(r.key())
                && ReplayReport.fromJson(r.value()).state() != ReplayReport.State.RUNNING, TIMEOUT).value());
        }
        assertTrue(waiting.reason().startsWith("replay " + request.id() + " waits for version 99 of model fashion to load"),
            waiting.reason());
        assertTrue(Duration.ofNanos(System.nanoTime() - sent).compareTo(AWAIT_VERSION) >= 0, "it waited for the version");
        assertEquals(ReplayReport.State.FAILED, report.state(), report.toString());
        assertTrue(report.counts().selected() > 0, report.toString());
        assertEquals(0, report.counts().replayed(), report.toString());
        assertTrue(report.reason().startsWith("version 99 of model fashion is not loaded on TF Serving at " + server.grpcTarget()),
            report.reason());
        assertTrue(report.reason().contains("after waiting " + AWAIT_VERSION.toSeconds() + " s (predict.replay.await-version)"),
            report.reason());
        assertTrue(report.reason().contains("make version 99 live first (POST /v1/rollout/fashion/rollback?version=99) or replay with"
            + " the live version 1"), report.reason());
        assertEquals(List.of(), replayedValues(request), "a failed replay made no value");

        // read again (a restart reads every request), the failed replay is not run again until it is posted again
        ReplayRequest marker = ReplayRequest.window(2, Instant.parse("2001-01-01T00:00:00Z"), Instant.parse("2001-01-02T00:00:00Z"));
        send(GRAPH.replayRequestTopic(), marker.id(), marker.toJson());
        try (TopicReader reports = new TopicReader(KafkaTestResource.bootstrapServers(), GRAPH.replayReportTopic())) {
            reports.await(r -> marker.id().equals(r.key()) && ReplayReport.fromJson(r.value()).state() == ReplayReport.State.DONE,
                TIMEOUT);
        }
        List<ReplayReport> ofIt = readAll(GRAPH.replayReportTopic()).stream().filter(r -> request.id().equals(r.key()))
            .map(r -> ReplayReport.fromJson(r.value())).toList();
        assertEquals(ReplayReport.State.FAILED, ofIt.get(ofIt.size() - 1).state());
    }

    /**
     * A replay to version 1, which the server unloaded when version 2 came (latest policy): it waits until the version is loaded
     * again (here by the test, as serve-manager does for a running replay), then re-predicts with it.
     */
    @Test
    @Order(3)
    void aReplayToAVersionNotLoadedYetGoesOnOnceItIsLoaded() throws Exception {
        Endpoint v1 = new Endpoint("e", server.grpcTarget(), "fashion", 1L, null);
        await().atMost(TIMEOUT).until(() -> {
            try {
                client.metadata(v1);
                return false;
            } catch (RuntimeException e) {
                return true;
            }
        });
        ReplayRequest request = ReplayRequest.between(2, 1);
        send(GRAPH.replayRequestTopic(), request.id(), request.toJson());
        try (TopicReader reports = new TopicReader(KafkaTestResource.bootstrapServers(), GRAPH.replayReportTopic());
                TfServingConnection connection = new TfServingConnection(server.grpcTarget(), TfServingSettings.plain(
                    Duration.ofSeconds(30)))) {
            reports.await(r -> request.id().equals(r.key()) && waits(ReplayReport.fromJson(r.value()), 1), TIMEOUT);
            connection.reloadConfig("fashion", models.resolve("fashion").toString(), List.of(1L, 2L), Map.of("stable", 2L));
            ReplayReport report = ReplayReport.fromJson(reports.await(r -> request.id().equals(r.key())
                && ReplayReport.fromJson(r.value()).state() != ReplayReport.State.RUNNING, TIMEOUT).value());
            assertEquals(ReplayReport.State.DONE, report.state(), report.toString());
            assertTrue(report.counts().replayed() > 0, report.toString());
            assertEquals(report.counts().selected() - report.counts().alreadyAtVersion(), report.counts().replayed()
                + report.counts().outOfReach() + report.counts().refused(), report.toString());
        } finally {
            try (TfServingConnection connection = new TfServingConnection(server.grpcTarget(), TfServingSettings.plain(
                    Duration.ofSeconds(30)))) {
                connection.reloadConfig("fashion", models.resolve("fashion").toString(), List.of(), Map.of());
            }
        }
        List<AnnotatedValue> replayed = replayedValues(request);
        assertFalse(replayed.isEmpty());
        assertTrue(replayed.stream().allMatch(v -> "1".equals(v.annotation("modelVersion"))), "re-predicted by version 1");
    }

    private static boolean waits(ReplayReport report, long version) {
        return report.state() == ReplayReport.State.RUNNING && report.reason() != null
            && report.reason().contains("waits for version " + version + " of model fashion to load");
    }

    private static List<AnnotatedValue> replayedValues(ReplayRequest request) {
        return readAll(GRAPH.topic("predict", "prediction")).stream().map(r -> ValueRecords.decode(r.headers(), r.value()))
            .filter(v -> request.id().equals(v.annotation(Replays.REPLAY_ID))).toList();
    }

    /** Every committed record of a topic, up to its end now. */
    private static List<ConsumerRecord<String, byte[]>> readAll(String topic) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaTestResource.bootstrapServers());
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        List<ConsumerRecord<String, byte[]>> all = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                .map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            long deadline = System.nanoTime() + TIMEOUT.toNanos();
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
                assertTrue(System.nanoTime() < deadline, "reading " + topic + " to its end");
                consumer.poll(Duration.ofMillis(200)).forEach(all::add);
            }
        }
        return all;
    }

    private static int argmax(float[] values) {
        int best = 0;
        for (int i = 1; i < values.length; i++) {
            best = values[i] > values[best] ? i : best;
        }
        return best;
    }

    private static RecordMetadata send(String topic, String key, AnnotatedValue value) throws Exception {
        RecordHeaders headers = new RecordHeaders();
        return producer.send(new ProducerRecord<>(topic, null, value.id(), ValueRecords.encode(value, headers), headers)).get();
    }

    private static RecordMetadata send(String topic, String key, byte[] value) throws Exception {
        return producer.send(new ProducerRecord<>(topic, key, value)).get();
    }
}
