package dev.tffashion.servemanager;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import jakarta.inject.Inject;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

import dev.tffashion.kafkalocal.testing.KafkaTestResource;
import dev.tffashion.pipeline.AnnotatedValue;
import dev.tffashion.pipeline.Json;
import dev.tffashion.pipeline.contracts.EndpointValue;
import dev.tffashion.pipeline.contracts.replay.ReplayReport;
import dev.tffashion.pipeline.contracts.replay.ReplayRequest;
import dev.tffashion.pipeline.kafka.ValueRecords;
import dev.tffashion.pipeline.quarkus.StatusReporter;
import dev.tffashion.pipeline.store.ContentStore;
import dev.tffashion.servemanager.client.ModelServerClient;
import dev.tffashion.servemanager.rollout.ServerVersions;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.kafka.InjectKafkaCompanion;
import io.smallrye.reactive.messaging.kafka.companion.ConsumerTask;
import io.smallrye.reactive.messaging.kafka.companion.KafkaCompanion;

/**
 * Replays on a real broker with the embedded model server (README, "Replay"): versions 1 and 2 go live one after the other
 * (immediate), so only 2 is loaded; a replay request to version 1 gets version 1 loaded beside the live 2 (no label; 2 stays
 * {@code stable} and live) until its report is done, and then unloaded; a replay that stops reporting loses its version after
 * {@code serving.replay.hold-without-progress}; a replay to a version that was never installed is failed with the versions that
 * can be replayed, and a runner of that replay (predict's transactional producer) is fenced.
 */
@QuarkusTest
@TestProfile(ReplayHoldFlowTest.ShortHold.class)
@WithTestResource(KafkaTestResource.class)
@WithTestResource(ServingTestResource.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ReplayHoldFlowTest {

    /** A pipeline of its own; a replay without progress holds its version 6 s; replaced versions stay 1 s. */
    public static class ShortHold implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("tf-fashion.pipeline", PIPELINE, "serving.replay.hold-without-progress", "6s",
                "serving.replay.check-interval", "500ms", "serving.rollout.unload-after", "1s");
        }
    }

    static final String PIPELINE = "replayhold";
    private static final Duration WAIT = Duration.ofSeconds(60);

    @InjectKafkaCompanion
    KafkaCompanion companion;

    @Inject
    ContentStore store;

    @Inject
    ModelRepository repository;

    @Inject
    ModelServerClient client;

    @Inject
    StatusReporter status;

    @TempDir
    Path temp;

    private ConsumerTask<String, String> endpoints;
    private ConsumerTask<String, String> reports;

    @BeforeAll
    void consume() {
        endpoints = companion.consumeStrings().withProp(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest")
            .fromTopics(PIPELINE + ".serve.endpoint");
        reports = companion.consumeStrings().withProp(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest")
            .withProp(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed").fromTopics(PIPELINE + ".replay.report");
    }

    @AfterAll
    void close() {
        endpoints.close();
        reports.close();
    }

    @Test
    @Order(1)
    void twoVersionsGoLiveOneAfterTheOtherAndOnlyTheLatestStaysLoaded() throws Exception {
        send(model("one", 1));
        await().atMost(WAIT).until(() -> liveEndpoint() == 1L);
        send(model("two", 2));
        await().atMost(WAIT).until(() -> liveEndpoint() == 2L);
        await().atMost(WAIT).until(() -> !loaded(1));
        assertThat(loaded(2)).isTrue();
    }

    @Test
    @Order(2)
    void aReplayToVersionOneLoadsItBesideTheLiveVersionUntilItsReportIsDone() throws Exception {
        ReplayRequest request = ReplayRequest.window(1, null, null);
        sendRequest(request);
        await().atMost(WAIT).until(() -> loaded(1));
        assertThat(loaded(2)).isTrue();
        String config = Files.readString(repository.basePath().getParent().resolve(ServerVersions.CONFIG_FILE));
        assertThat(config).contains("specific").contains("versions: 1").contains("versions: 2").contains("stable")
            .doesNotContain("canary");
        assertThat(config.replaceAll("\\s+", " ")).contains("key: \"stable\" value: 2");
        assertThat(repository.live()).map(InstalledVersion::version).contains(2L);
        assertThat(rollout()).containsEntry("liveVersion", 2L);
        await().atMost(WAIT).untilAsserted(() -> assertThat(replays()).containsEntry("loadedVersions", List.of(1L)));

        sendReport(request, ReplayReport.State.RUNNING);
        Thread.sleep(1500);
        assertThat(loaded(1)).as("a running replay keeps its version").isTrue();
        sendReport(request, ReplayReport.State.DONE);
        await().atMost(WAIT).until(() -> !loaded(1));
        assertThat(loaded(2)).isTrue();
        assertThat(replays()).containsEntry("loadedVersions", List.of());
        assertThat(liveEndpoint()).isEqualTo(2L);
    }

    @Test
    @Order(3)
    void aReplayWithoutProgressLosesItsVersionAfterTheHold() throws Exception {
        ReplayRequest request = ReplayRequest.between(2, 1);
        long sent = System.nanoTime();
        sendRequest(request);
        await().atMost(WAIT).until(() -> loaded(1));
        await().atMost(WAIT).until(() -> !loaded(1));
        assertThat(Duration.ofNanos(System.nanoTime() - sent)).isGreaterThanOrEqualTo(Duration.ofSeconds(5));
        assertThat(loaded(2)).isTrue();
    }

    @Test
    @Order(4)
    void aReplayToAVersionNeverInstalledFailsWithTheVersionsThatCanBeReplayedAndFencesItsRunner() throws Exception {
        ReplayRequest request = ReplayRequest.window(7, Instant.parse("2000-01-01T00:00:00Z"), null);
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaTestResource.bootstrapServers());
        props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, PIPELINE + ".predict.replay." + request.id());
        try (KafkaProducer<String, String> runner = new KafkaProducer<>(props, new StringSerializer(), new StringSerializer())) {
            runner.initTransactions(); // as predict's replay job does before it runs the replay
            sendRequest(request);
            ReplayReport report = awaitReport(request, ReplayReport.State.FAILED);
            assertThat(report.reason()).isEqualTo("version 7 of model fashion cannot be replayed: it was never installed; versions that"
                + " can be replayed: [1, 2] (the versions installed, GET /v1/rollout/fashion)");
            assertThat(report.request()).isEqualTo(request);
            assertThatThrownBy(() -> {
                runner.beginTransaction();
                runner.send(new ProducerRecord<>(PIPELINE + ".replay.report", request.id(), "{}")).get();
                runner.commitTransaction();
            }).as("the replay's runner is fenced").satisfiesAnyOf(
                e -> assertThat(e).isInstanceOf(KafkaException.class),
                e -> assertThat(e).hasCauseInstanceOf(KafkaException.class));
        }
        await().atMost(WAIT).untilAsserted(() -> assertThat(replays()).containsEntry("lastRefused",
            awaitReport(request, ReplayReport.State.FAILED).reason()));
        assertThat(loaded(2)).isTrue();
    }

    private ReplayReport awaitReport(ReplayRequest request, ReplayReport.State state) {
        return await().atMost(WAIT).until(() -> reports.getRecords().stream().filter(r -> request.id().equals(r.key()))
            .map(r -> ReplayReport.fromJson(r.value().getBytes(StandardCharsets.UTF_8))).filter(r -> r.state() == state)
            .findFirst().orElse(null), r -> r != null);
    }

    private boolean loaded(long version) {
        try {
            return client.status("fashion", version).available();
        } catch (RuntimeException e) {
            return false;
        }
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> rollout() {
        return (Map<String, Object>) status.last("serve").details().get("rollout");
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> replays() {
        return (Map<String, Object>) rollout().get("replays");
    }

    private long liveEndpoint() {
        List<ConsumerRecord<String, String>> records = endpoints.getRecords();
        if (records.isEmpty()) {
            return 0;
        }
        ConsumerRecord<String, String> last = records.get(records.size() - 1);
        return EndpointValue.from(ValueRecords.decode(last.headers(), last.value().getBytes(StandardCharsets.UTF_8)), store)
            .modelVersion();
    }

    private AnnotatedValue model(String name, long seed) throws Exception {
        Path dir = TestModels.export(temp.resolve(name), seed, TestModels.Samples.LEARN);
        return TestModels.modelValue(store, dir, "0.9").toBuilder().pipeline(PIPELINE).build();
    }

    private void send(AnnotatedValue value) {
        companion.produceStrings().fromRecords(new ProducerRecord<>(PIPELINE + ".learn.model", value.id(), Json.toString(value)))
            .awaitCompletion(Duration.ofSeconds(30));
    }

    private void sendRequest(ReplayRequest request) {
        companion.produceStrings().fromRecords(new ProducerRecord<>(PIPELINE + ".replay.request", request.id(),
            new String(request.toJson(), StandardCharsets.UTF_8))).awaitCompletion(Duration.ofSeconds(30));
    }

    private void sendReport(ReplayRequest request, ReplayReport.State state) {
        Instant now = Instant.now();
        ReplayReport report = new ReplayReport(request.id(), request, state, null, "fashion", now, now,
            new ReplayReport.Counts(0, 0, 0, 0, 0, 0, 0, 0, 0), null, null, new ReplayReport.Checkpoint(null, null), null);
        companion.produceStrings().fromRecords(new ProducerRecord<>(PIPELINE + ".replay.report", request.id(),
            new String(report.toJson(), StandardCharsets.UTF_8))).awaitCompletion(Duration.ofSeconds(30));
    }
}
