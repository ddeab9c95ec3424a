package dev.tffashion.servemanager;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;

import jakarta.inject.Inject;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.TensorProto;
import org.tensorflow.proto.TensorShapeProto;

import com.google.protobuf.Int64Value;

import dev.tffashion.kafkalocal.testing.KafkaTestResource;
import dev.tffashion.pipeline.AnnotatedValue;
import dev.tffashion.pipeline.Json;
import dev.tffashion.pipeline.ValueIds;
import dev.tffashion.pipeline.contracts.EndpointValue;
import dev.tffashion.pipeline.contracts.ModelValue;
import dev.tffashion.pipeline.contracts.PredictionValue;
import dev.tffashion.pipeline.contracts.RolloutCommand;
import dev.tffashion.pipeline.contracts.ShadowPrediction;
import dev.tffashion.pipeline.kafka.ValueRecords;
import dev.tffashion.pipeline.quarkus.StatusReporter;
import dev.tffashion.pipeline.store.ContentStore;
import dev.tffashion.pipeline.store.Contents;
import dev.tffashion.servemanager.rollout.ServerVersions;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.kafka.InjectKafkaCompanion;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import io.smallrye.reactive.messaging.kafka.companion.ConsumerTask;
import io.smallrye.reactive.messaging.kafka.companion.KafkaCompanion;
import tensorflow.serving.Model.ModelSpec;
import tensorflow.serving.Predict.PredictRequest;
import tensorflow.serving.Predict.PredictResponse;
import tensorflow.serving.PredictionServiceGrpc;

/**
 * Rollouts in embedded mode on a real broker, through the production path (consumer, ServeManager, the rollout follower, the
 * embedded model server reloaded with a model config): a challenger that asks for {@code shadow} is served beside the live version
 * (labels stable and canary) and announced as the endpoint's challenger; shadow predictions that disagree make the gate reject it
 * (dead letter with the reason, moved aside); a challenger that agrees is promoted, and a rollback command makes the earlier version
 * live again within 5 s; a client that follows the endpoints never sees a failed Predict through all of it.
 */
@QuarkusTest
@TestProfile(RolloutFlowTest.SmallGate.class)
@WithTestResource(KafkaTestResource.class)
@WithTestResource(ServingTestResource.class)
@WithKubernetesTestServer(crud = true)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RolloutFlowTest {

    /** A gate of 20 predictions, agreement 0.9 or accuracy within 0.01, no latency gate; a replaced version stays 2 s. */
    public static class SmallGate implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("serving.rollout.shadow-predictions", "20", "serving.rollout.min-agreement", "0.9",
                "serving.rollout.accuracy-tolerance", "0.01", "serving.rollout.latency-gate", "false",
                "serving.rollout.unload-after", "2s");
        }
    }

    private static final Duration WAIT = Duration.ofSeconds(90);

    @InjectKafkaCompanion
    KafkaCompanion companion;

    @Inject
    ContentStore store;

    @Inject
    ModelRepository repository;

    @Inject
    StatusReporter status;

    @TempDir
    Path temp;

    private ConsumerTask<String, String> endpoints;
    private ConsumerTask<String, String> deadLetters;
    private ManagedChannel channel;
    private final AtomicLong followed = new AtomicLong();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final AtomicInteger answered = new AtomicInteger();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private final Set<Long> versionsSeen = ConcurrentHashMap.newKeySet();
    private Thread client;
    private int mark;

    @BeforeAll
    void consume() {
        endpoints = companion.consumeStrings().withProp(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest")
            .fromTopics("tf-fashion.serve.endpoint");
        deadLetters = companion.consumeStrings().withProp(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest")
            .fromTopics("tf-fashion.serve.dlq");
    }

    @AfterAll
    void close() throws InterruptedException {
        running.set(false);
        if (client != null) {
            client.join(10_000);
        }
        endpoints.close();
        deadLetters.close();
        if (channel != null) {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    @Test
    @Order(1)
    void theFirstModelGoesLiveAtOnceAndAClientFollowsTheEndpoint() throws Exception {
        AnnotatedValue first = model("first", 1, "0.90", null);
        send(first);
        EndpointValue endpoint = awaitEndpoint(e -> first.id().equals(e.modelValueId()) && e.challengerVersion() == null);
        assertThat(endpoint.modelVersion()).isEqualTo(1L);
        channel = NettyChannelBuilder.forTarget(endpoint.grpcTarget()).usePlaintext().build();
        followed.set(1);
        float[] image = TestModels.images(1, 9);
        client = new Thread(() -> {
            while (running.get() && failure.get() == null) {
                long version = latestVersion();
                try {
                    versionsSeen.add(version(predict(version, null, image)));
                    answered.incrementAndGet();
                } catch (Throwable t) {
                    failure.set(new AssertionError("Predict on v" + version + " failed", t));
                }
            }
        }, "following-client");
        client.start();
        await().atMost(WAIT).until(() -> answered.get() > 10);
    }

    @Test
    @Order(2)
    void aShadowChallengerIsServedBesideTheLiveVersionWithLabels() throws Exception {
        AnnotatedValue bad = model("bad", 2, "0.50", "shadow");
        send(bad);
        EndpointValue endpoint = awaitEndpoint(e -> e.challengerVersion() != null && e.challengerVersion() == 2L);
        assertThat(endpoint.modelVersion()).isEqualTo(1L);
        assertThat(endpoint.rollout()).isEqualTo("shadow");
        assertThat(endpoint.challengerModelValueId()).isEqualTo(bad.id());
        assertThat(version(predict(null, "stable", TestModels.images(1, 3)))).isEqualTo(1);
        assertThat(version(predict(null, "canary", TestModels.images(1, 3)))).isEqualTo(2);
        String config = Files.readString(repository.basePath().getParent().resolve(ServerVersions.CONFIG_FILE));
        assertThat(config).contains("specific").contains("canary").contains("stable");
        assertThat(repository.rolloutState()).get().extracting(RolloutState::challenger).isEqualTo(2L);
        @SuppressWarnings("unchecked")
        Map<String, Object> rollout = (Map<String, Object>) status.last("serve").details().get("rollout");
        assertThat(rollout).containsEntry("policy", "shadow").containsEntry("liveVersion", 1L).containsEntry("challengerVersion", 2L);
        assertThat(versionsSeen).containsOnly(1L);
    }

    @Test
    @Order(3)
    void disagreeingShadowPredictionsMakeTheGateRejectTheChallenger() {
        shadow(1, 2, 20, false);
        ConsumerRecord<String, String> dead = awaitDeadLetter(modelIdOfChallenger(2));
        assertThat(header(dead, "dead-letter-code")).isEqualTo("rollout-gate");
        assertThat(header(dead, "dead-letter-reason")).contains("v2 rejected").contains("agreement 0.00%")
            .contains("evaluation accuracy 50.00%");
        EndpointValue endpoint = awaitEndpoint(e -> e.modelVersion() == 1L && e.challengerVersion() == null);
        assertThat(endpoint.rollout()).isNull();
        await().atMost(WAIT).untilAsserted(() -> assertThat(repository.basePath().resolve(".failed-2")).isDirectory());
        @SuppressWarnings("unchecked")
        Map<String, Object> decision = (Map<String, Object>) ((Map<String, Object>) status.last("serve").details().get("rollout"))
            .get("lastDecision");
        assertThat(decision).containsEntry("outcome", "rejected");
        assertThat(versionsSeen).as("the rejected challenger never answered the client").containsOnly(1L);
    }

    @Test
    @Order(4)
    void anAgreeingChallengerIsPromotedWithoutOneFailedRequest() throws Exception {
        AnnotatedValue good = model("good", 3, "0.91", "shadow");
        send(good);
        awaitEndpoint(e -> e.challengerVersion() != null && e.challengerVersion() == 3L);
        shadow(1, 3, 20, true);
        EndpointValue promoted = awaitEndpoint(e -> e.modelVersion() == 3L && e.challengerVersion() == null);
        assertThat(promoted.modelValueId()).isEqualTo(good.id());
        int before = answered.get();
        await().atMost(WAIT).until(() -> versionsSeen.contains(3L) && answered.get() > before + 10);
        assertThat(failure.get()).as("a Predict request failed during the promotion").isNull();
        assertThat(repository.live()).map(InstalledVersion::version).contains(3L);
    }

    @Test
    @Order(5)
    void aRollbackMakesTheEarlierVersionLiveWithinFiveSecondsWithoutOneFailedRequest() {
        long sent = System.nanoTime();
        companion.produceStrings().fromRecords(new ProducerRecord<>("tf-fashion.serve.control", "fashion",
            new String(RolloutCommand.of("fashion", "rollback", null).toBytes(), StandardCharsets.UTF_8)))
            .awaitCompletion(Duration.ofSeconds(30));
        awaitEndpoint(e -> e.modelVersion() == 1L);
        assertThat(Duration.ofNanos(System.nanoTime() - sent)).isLessThan(Duration.ofSeconds(5));
        int before = answered.get();
        versionsSeen.clear();
        await().atMost(WAIT).until(() -> answered.get() > before + 10 && versionsSeen.contains(1L));
        await().atMost(WAIT).until(() -> answered.get() > before + 40);
        assertThat(failure.get()).as("a Predict request failed during the rollback").isNull();
        assertThat(repository.live()).map(InstalledVersion::version).contains(1L);
    }

    private long latestVersion() {
        List<ConsumerRecord<String, String>> records = endpoints.getRecords();
        if (records.isEmpty()) {
            return followed.get();
        }
        return endpoint(records.get(records.size() - 1)).modelVersion();
    }

    private AnnotatedValue model(String name, long seed, String accuracy, String rollout) throws Exception {
        Path dir = TestModels.export(temp.resolve(name), seed, TestModels.Samples.LEARN);
        AnnotatedValue value = TestModels.modelValue(store, dir, accuracy);
        return rollout == null ? value : value.toBuilder().annotation(ModelValue.ROLLOUT, rollout).build();
    }

    private String modelIdOfChallenger(long version) {
        return endpoints.getRecords().stream().map(this::endpoint)
            .filter(e -> e.challengerVersion() != null && e.challengerVersion() == version).findFirst().orElseThrow()
            .challengerModelValueId();
    }

    /** Shadow predictions as predict writes them: the challenger's class beside the live one's. */
    private void shadow(long live, long challenger, int count, boolean agree) {
        List<ProducerRecord<String, String>> records = new java.util.ArrayList<>();
        for (int i = 0; i < count; i++) {
            int liveLabel = i % 10;
            AnnotatedValue value = AnnotatedValue.builder().id(ValueIds.random()).pipeline("tf-fashion").task("predict")
                .output(ShadowPrediction.OUTPUT).type("prediction").content(Contents.inline("{}".getBytes(StandardCharsets.UTF_8),
                    "application/json"))
                .sourceInput(PredictionValue.TENSOR_INPUT, "tensor-" + challenger + "-" + i).sourceInput("endpoint", "e")
                .annotation(PredictionValue.LABEL, agree ? liveLabel : (liveLabel + 1) % 10)
                .annotation(PredictionValue.MODEL_NAME, "fashion").annotation(PredictionValue.MODEL_VERSION, challenger)
                .annotation(ShadowPrediction.LIVE_LABEL, liveLabel).annotation(ShadowPrediction.LIVE_VERSION, live)
                .annotation(ShadowPrediction.LIVE_MICROS, 1000).annotation(ShadowPrediction.CHALLENGER_MICROS, 1200).build();
            records.add(new ProducerRecord<>("tf-fashion.predict.shadow", value.id(), Json.toString(value)));
        }
        companion.produceStrings().fromRecords(records).awaitCompletion(Duration.ofSeconds(30));
    }

    private void send(AnnotatedValue value) {
        companion.produceStrings().fromRecords(new ProducerRecord<>("tf-fashion.learn.model", value.id(), Json.toString(value)))
            .awaitCompletion(Duration.ofSeconds(30));
    }

    private EndpointValue endpoint(ConsumerRecord<String, String> record) {
        return EndpointValue.from(ValueRecords.decode(record.headers(), record.value().getBytes(StandardCharsets.UTF_8)), store);
    }

    /** The first endpoint announced after the one awaited before that matches; later waits start after it. */
    private EndpointValue awaitEndpoint(Predicate<EndpointValue> wanted) {
        AtomicReference<EndpointValue> found = new AtomicReference<>();
        await().atMost(WAIT).until(() -> {
            List<ConsumerRecord<String, String>> records = endpoints.getRecords();
            for (int i = mark; i < records.size(); i++) {
                EndpointValue e = endpoint(records.get(i));
                if (wanted.test(e)) {
                    found.set(e);
                    mark = i + 1;
                    return true;
                }
            }
            return false;
        });
        return found.get();
    }

    private ConsumerRecord<String, String> awaitDeadLetter(String key) {
        await().atMost(WAIT).until(() -> deadLetters.getRecords().stream().anyMatch(r -> key.equals(r.key())));
        return deadLetters.getRecords().stream().filter(r -> key.equals(r.key())).findFirst().orElseThrow();
    }

    private static String header(ConsumerRecord<String, String> record, String name) {
        Header header = record.headers().lastHeader(name);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }

    private PredictResponse predict(Long version, String label, float[] pixels) {
        ModelSpec.Builder spec = ModelSpec.newBuilder().setName("fashion").setSignatureName("serving_default");
        if (version != null) {
            spec.setVersion(Int64Value.of(version));
        }
        if (label != null) {
            spec.setVersionLabel(label);
        }
        TensorProto.Builder tensor = TensorProto.newBuilder().setDtype(DataType.DT_FLOAT).setTensorShape(TensorShapeProto.newBuilder()
            .addDim(TensorShapeProto.Dim.newBuilder().setSize(pixels.length / TestModels.PIXELS))
            .addDim(TensorShapeProto.Dim.newBuilder().setSize(28)).addDim(TensorShapeProto.Dim.newBuilder().setSize(28)));
        for (float p : pixels) {
            tensor.addFloatVal(p);
        }
        return PredictionServiceGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
            .predict(PredictRequest.newBuilder().setModelSpec(spec).putInputs("images", tensor.build()).build());
    }

    private static long version(PredictResponse response) {
        return response.getModelSpec().getVersion().getValue();
    }
}
