package dev.tffashion.servemanager;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

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
import dev.tffashion.pipeline.contracts.EndpointValue;
import dev.tffashion.pipeline.kafka.ValueRecords;
import dev.tffashion.pipeline.quarkus.StatusReporter;
import dev.tffashion.pipeline.status.StatusEvent;
import dev.tffashion.pipeline.status.TaskState;
import dev.tffashion.pipeline.store.ContentStore;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kafka.InjectKafkaCompanion;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import io.restassured.RestAssured;
import io.smallrye.reactive.messaging.kafka.companion.ConsumerTask;
import io.smallrye.reactive.messaging.kafka.companion.KafkaCompanion;
import tensorflow.serving.Model.ModelSpec;
import tensorflow.serving.Predict.PredictRequest;
import tensorflow.serving.Predict.PredictResponse;
import tensorflow.serving.PredictionServiceGrpc;

/**
 * The serve flow end to end in embedded mode, on a real broker: a model value becomes an endpoint whose gRPC Predict matches
 * in-process inference; a model that fails to load or to agree is moved aside while the previous version keeps serving; a second
 * model becomes the next version under constant Predict traffic without one failed request; a replayed value is not reinstalled.
 */
@QuarkusTest
@WithTestResource(KafkaTestResource.class)
@WithTestResource(ServingTestResource.class)
@WithKubernetesTestServer(crud = true)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ServeFlowTest {

    private static final Duration WAIT = Duration.ofSeconds(90);

    @InjectKafkaCompanion
    KafkaCompanion companion;

    @Inject
    ContentStore store;

    @Inject
    ModelRepository repository;

    @Inject
    StatusReporter status;

    @Inject
    ServeManager manager;

    @TempDir
    Path temp;

    private ConsumerTask<String, String> endpoints;
    private ConsumerTask<String, String> deadLetters;
    private Path firstModel;
    private AnnotatedValue first;
    private AnnotatedValue second;
    private ManagedChannel channel;

    @BeforeAll
    void consume() {
        endpoints = companion.consumeStrings().withProp(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest")
                .fromTopics("tf-fashion.serve.endpoint");
        deadLetters = companion.consumeStrings().withProp(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest")
                .fromTopics("tf-fashion.serve.dlq");
    }

    @AfterAll
    void close() throws InterruptedException {
        endpoints.close();
        deadLetters.close();
        if (channel != null) {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    @Test
    @Order(1)
    void aTrainedModelBecomesAnEndpointThatAnswersAsInProcessInference() throws Exception {
        firstModel = TestModels.export(temp.resolve("first"), 1, TestModels.Samples.LEARN);
        first = TestModels.modelValue(store, firstModel, "0.8123");
        send(first);

        AnnotatedValue endpoint = awaitEndpoint(first.id());
        assertThat(endpoint.type()).isEqualTo("endpoint");
        assertThat(endpoint.task()).isEqualTo("serve");
        assertThat(endpoint.output()).isEqualTo("endpoint");
        assertThat(endpoint.sourceIds("model")).containsExactly(first.id());
        assertThat(endpoint.annotations()).containsEntry("modelName", "fashion").containsEntry("modelVersion", "1")
                .containsEntry("signatureName", "serving_default").containsEntry("inputName", "images")
                .containsEntry("outputName", "probabilities").containsEntry("testAccuracy", "0.8123")
                .containsKeys("grpcTarget", "restUrl");
        assertThat(EndpointValue.from(endpoint, store).modelVersion()).isEqualTo(1L);
        assertThat(repository.basePath().resolve("1").resolve(ModelRepository.MARKER)).exists();

        float[] pixels = TestModels.images(5, 42);
        float[][] expected = TestModels.inProcess(firstModel, pixels);
        channel = NettyChannelBuilder.forTarget(endpoint.annotation("grpcTarget")).usePlaintext().build();
        PredictResponse response = predict(Long.parseLong(endpoint.annotation("modelVersion")), pixels);
        float[] served = floats(response);
        for (int i = 0; i < expected.length; i++) {
            for (int c = 0; c < TestModels.CLASSES; c++) {
                assertThat(served[i * TestModels.CLASSES + c]).isCloseTo(expected[i][c], org.assertj.core.data.Offset.offset(1e-5f));
            }
        }
        StatusEvent active = status.last("serve");
        assertThat(active.state()).isEqualTo(TaskState.ACTIVE);
        assertThat(active.details()).containsEntry("version", 1L);

        RestAssured.get(endpoint.annotation("restUrl") + "/v1/models/fashion").then().statusCode(200)
                .body("model_version_status[0].version", org.hamcrest.Matchers.equalTo("1"))
                .body("model_version_status[0].state", org.hamcrest.Matchers.equalTo("AVAILABLE"));
        RestAssured.get("/q/health/ready").then().statusCode(200);
    }

    @Test
    @Order(2)
    void aModelThatDoesNotLoadIsMovedAsideAndTheFirstKeepsServing() throws Exception {
        Path broken = TestModels.export(temp.resolve("broken"), 2, TestModels.Samples.FLAT);
        Files.write(broken.resolve("saved_model.pb"), "this is not a SavedModel protocol buffer".getBytes(StandardCharsets.UTF_8));
        AnnotatedValue value = TestModels.modelValue(store, broken, null);
        send(value);

        ConsumerRecord<String, String> dead = awaitDeadLetter(value.id());
        assertThat(header(dead, "dead-letter-reason")).contains("version 2").contains("failed to load");
        assertThat(header(dead, "dead-letter-code")).isEqualTo("load");
        StatusEvent failed = status.last("serve");
        assertThat(failed.state()).isEqualTo(TaskState.FAILED);
        assertThat(failed.reason()).contains("failed to load");
        assertThat(failed.details()).containsEntry("servingVersion", 1L);
        assertThat(repository.basePath().resolve(".failed-2")).isDirectory();
        assertThat(repository.basePath().resolve("2")).doesNotExist();
        assertThat(floats(predict(null, TestModels.images(1, 7)))).hasSize(TestModels.CLASSES);
    }

    @Test
    @Order(3)
    void aModelThatDisagreesWithItsSamplesIsMovedAsideAndTheFirstServesAgain() throws Exception {
        Path wrong = TestModels.export(temp.resolve("wrong"), 3, TestModels.Samples.FLAT);
        TestModels.writeSamples(wrong, 3, TestModels.Samples.FLAT, 0.01f);
        AnnotatedValue value = TestModels.modelValue(store, wrong, null);
        send(value);

        ConsumerRecord<String, String> dead = awaitDeadLetter(value.id());
        assertThat(header(dead, "dead-letter-reason")).contains("version 3").contains("disagrees with its evaluation samples");
        assertThat(status.last("serve").reason()).contains("disagrees");
        assertThat(repository.basePath().resolve(".failed-3")).isDirectory();
        await().atMost(WAIT).untilAsserted(() -> assertThat(version(predict(null, TestModels.images(1, 8)))).isEqualTo(1));
    }

    @Test
    @Order(4)
    void aSecondModelBecomesTheNextVersionWithoutOneFailedRequest() throws Exception {
        Path model = TestModels.export(temp.resolve("second"), 4, TestModels.Samples.NESTED);
        second = TestModels.modelValue(store, model, "0.85");
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicInteger answered = new AtomicInteger();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Set<Long> versions = ConcurrentHashMap.newKeySet();
        float[] image = TestModels.images(1, 9);
        Thread client = new Thread(() -> {
            while (running.get() && failure.get() == null) {
                try {
                    versions.add(version(predict(null, image)));
                    answered.incrementAndGet();
                } catch (Throwable t) {
                    failure.set(t);
                }
            }
        }, "predict-client");
        client.start();
        try {
            await().atMost(WAIT).until(() -> answered.get() > 20);
            send(second);
            AnnotatedValue endpoint = awaitEndpoint(second.id());
            assertThat(endpoint.annotation("modelVersion")).isEqualTo("4");
            int before = answered.get();
            await().atMost(WAIT).until(() -> versions.contains(4L) && answered.get() > before + 20);
        } finally {
            running.set(false);
            client.join(10_000);
        }
        assertThat(failure.get()).as("a Predict request failed during the swap").isNull();
        assertThat(versions).containsExactlyInAnyOrder(1L, 4L);
        assertThat(status.last("serve").details()).containsEntry("version", 4L);
    }

    @Test
    @Order(5)
    void aReplayedModelIsNotInstalledAgain() {
        int before = endpoints.getRecords().size();
        send(first);
        send(second);
        await().atMost(WAIT).until(() -> endpoints.getRecords().stream().skip(before).anyMatch(r -> endpointOf(r, second.id())));
        assertThat(repository.versions()).extracting(InstalledVersion::version).containsExactly(1L, 4L);
        assertThat(repository.basePath().resolve("5")).doesNotExist();
        assertThat(manager.live()).map(InstalledVersion::version).isEqualTo(Optional.of(4L));
        assertThat(endpoints.getRecords().stream().skip(before).filter(r -> endpointOf(r, first.id()))).isEmpty();
    }

    @Test
    @Order(6)
    void aRecordThatIsNotJsonGoesToTheDeadLetterTopic() {
        companion.produceStrings().fromRecords(new ProducerRecord<>("tf-fashion.learn.model", "junk", "not json at all"));
        await().atMost(WAIT).until(() -> deadLetters.getRecords().stream().anyMatch(r -> "junk".equals(r.key())));
        ConsumerRecord<String, String> dead = deadLetters.getRecords().stream().filter(r -> "junk".equals(r.key())).findFirst()
                .orElseThrow();
        assertThat(header(dead, "dead-letter-reason")).contains("not a valid AnnotatedValue");
        assertThat(header(dead, "dead-letter-code")).isEqualTo("MALFORMED_VALUE");
    }

    @Test
    @Order(7)
    void aModelThatDoesNotAnswerTenClassesIsMovedAsideAndTheLiveOneKeepsServing() throws Exception {
        Path threeClasses = TestModels.export(temp.resolve("three"), 7, TestModels.Samples.LEARN, 3);
        AnnotatedValue value = TestModels.modelValue(store, threeClasses, null);
        send(value);

        ConsumerRecord<String, String> dead = awaitDeadLetter(value.id());
        assertThat(header(dead, "dead-letter-reason")).contains("answers 3 values per picture").contains("answers 10");
        assertThat(endpoints.getRecords()).noneMatch(r -> endpointOf(r, value.id()));
        assertThat(repository.failedVersions()).anyMatch(v -> value.id().equals(v.modelValueId()));
        assertThat(manager.live()).map(InstalledVersion::version).isEqualTo(Optional.of(4L));
        await().atMost(WAIT).untilAsserted(() -> assertThat(version(predict(null, TestModels.images(1, 10)))).isEqualTo(4));
    }

    @Test
    @Order(8)
    void emptyAndNullRecordsGoToTheDeadLetterTopicAndTheNextModelIsServed() {
        companion.produceStrings().fromRecords(new ProducerRecord<>("tf-fashion.learn.model", "empty", ""),
                new ProducerRecord<>("tf-fashion.learn.model", "blank", "  \n"),
                new ProducerRecord<>("tf-fashion.learn.model", "json-null", "null")).awaitCompletion(Duration.ofSeconds(30));

        assertThat(header(awaitDeadLetter("empty"), "dead-letter-reason")).contains("the record's value is empty");
        assertThat(header(awaitDeadLetter("blank"), "dead-letter-reason")).contains("white space only");
        assertThat(header(awaitDeadLetter("json-null"), "dead-letter-reason")).contains("JSON null");
        int before = endpoints.getRecords().size();
        send(second);
        await().atMost(WAIT).until(() -> endpoints.getRecords().stream().skip(before).anyMatch(r -> endpointOf(r, second.id())));
    }

    private void send(AnnotatedValue value) {
        companion.produceStrings().fromRecords(new ProducerRecord<>("tf-fashion.learn.model", value.id(), Json.toString(value)))
                .awaitCompletion(Duration.ofSeconds(30));
    }

    private AnnotatedValue awaitEndpoint(String modelId) {
        await().atMost(WAIT).until(() -> endpoints.getRecords().stream().anyMatch(r -> endpointOf(r, modelId)));
        List<ConsumerRecord<String, String>> records = endpoints.getRecords();
        return records.stream().filter(r -> endpointOf(r, modelId))
                .map(r -> ValueRecords.decode(r.headers(), r.value().getBytes(StandardCharsets.UTF_8))).reduce((a, b) -> b).orElseThrow();
    }

    private static boolean endpointOf(ConsumerRecord<String, String> record, String modelId) {
        AnnotatedValue value = ValueRecords.decode(record.headers(), record.value().getBytes(StandardCharsets.UTF_8));
        return value.sourceIds("model").contains(modelId);
    }

    private ConsumerRecord<String, String> awaitDeadLetter(String modelId) {
        await().atMost(WAIT).until(() -> deadLetters.getRecords().stream().anyMatch(r -> modelId.equals(r.key())));
        return deadLetters.getRecords().stream().filter(r -> modelId.equals(r.key())).findFirst().orElseThrow();
    }

    private static String header(ConsumerRecord<String, String> record, String name) {
        Header header = record.headers().lastHeader(name);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }

    private PredictResponse predict(Long version, float[] pixels) {
        ModelSpec.Builder spec = ModelSpec.newBuilder().setName("fashion").setSignatureName("serving_default");
        if (version != null) {
            spec.setVersion(Int64Value.of(version));
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

    private static float[] floats(PredictResponse response) {
        TensorProto out = response.getOutputsOrThrow("probabilities");
        float[] values = new float[out.getFloatValCount()];
        for (int i = 0; i < values.length; i++) {
            values[i] = out.getFloatVal(i);
        }
        return values;
    }
}
