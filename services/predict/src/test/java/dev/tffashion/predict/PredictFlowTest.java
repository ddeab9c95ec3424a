package dev.tffashion.predict;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.BindException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import jakarta.inject.Inject;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
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
import dev.tffashion.pipeline.Json;
import dev.tffashion.pipeline.contracts.PredictionValue;
import dev.tffashion.pipeline.graph.PipelineGraph;
import dev.tffashion.pipeline.kafka.CloudEventHeaders;
import dev.tffashion.pipeline.kafka.ValueRecords;
import dev.tffashion.pipeline.quarkus.PipelineConfig;
import dev.tffashion.pipeline.quarkus.StatusReporter;
import dev.tffashion.pipeline.status.StatusEvent;
import dev.tffashion.pipeline.status.TaskState;
import dev.tffashion.pipeline.store.ContentStore;
import dev.tffashion.predict.messaging.EndpointWatcher;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * The predict service end to end: a real Kafka (kafka-local or Testcontainers) and real TF Serving peers (libs/model-server over
 * SavedModels exported here with TensorFlow Java). The tests run in order: the first one needs a service that has seen no endpoint.
 */
@QuarkusTest
@WithTestResource(value = KafkaTestResource.class, scope = TestResourceScope.MATCHING_RESOURCES)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PredictFlowTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final PipelineGraph GRAPH = PipelineGraph.load("tf-fashion");
    private static final String TENSORS = GRAPH.inputTopic("predict", "tensor");
    private static final String ENDPOINTS = GRAPH.inputTopic("predict", "endpoint");
    private static final String GROUP = "tf-fashion-predict";

    private static Path models;
    private static ModelServer fashion;
    private static ModelServer koalja;
    private static int fashionPort;
    private static KafkaProducer<String, byte[]> producer;
    private static TopicReader predictions;
    private static TopicReader deadLetters;
    private static final Map<String, SavedModelBundle> IN_PROCESS = new HashMap<>();

    @Inject
    StatusReporter status;

    @Inject
    PipelineConfig pipelineConfig;

    @Inject
    EndpointWatcher endpoints;

    @Inject
    ContentStore store;

    @Inject
    MeterRegistry registry;

    @Inject
    Predictor predictor;

    @BeforeAll
    static void start() throws Exception {
        models = Files.createTempDirectory("predict-models");
        SavedModels.export(models.resolve("fashion").resolve("1"), SavedModels.RECIPE, 11);
        SavedModels.export(models.resolve("koalja").resolve("1"), SavedModels.KOALJA, 22);
        fashion = server("fashion", 0);
        fashionPort = fashion.grpcPort();
        koalja = server("koalja", 0);
        String bootstrap = KafkaTestResource.bootstrapServers();
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        producer = new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer());
        predictions = new TopicReader(bootstrap, GRAPH.topic("predict", "prediction"));
        deadLetters = new TopicReader(bootstrap, GRAPH.deadLetterTopic("predict"));
    }

    @AfterAll
    static void stop() throws IOException {
        IN_PROCESS.values().forEach(SavedModelBundle::close);
        for (AutoCloseable c : new AutoCloseable[] {predictions, deadLetters, producer, fashion, koalja}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception e) {
                System.err.println("closing " + c + ": " + e);
            }
        }
        if (models != null) {
            try (Stream<Path> walk = Files.walk(models)) {
                walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    @Test
    @Order(1)
    void aTensorDroppedBeforeAnyModelWaitsAndIsPredictedOnceTheFirstEndpointArrives() throws Exception {
        AnnotatedValue tensor = TestValues.tensor("img-early", 101);
        send(TENSORS, tensor);

        await().atMost(TIMEOUT).until(() -> state(TaskState.WAITING, "1 tensors wait"));
        try (TopicReader statuses = new TopicReader(KafkaTestResource.bootstrapServers(), GRAPH.statusTopic())) {
            ConsumerRecord<String, byte[]> published = statuses.await(r -> r.key().startsWith("predict/")
                && Json.fromBytes(r.value(), StatusEvent.class).state() == TaskState.WAITING, TIMEOUT);
            assertTrue(Json.fromBytes(published.value(), StatusEvent.class).reason().contains("no model is served yet"));
        }
        assertTrue(committed().isEmpty(), "nothing committed while waiting: " + committed());
        assertTrue(predictions.withKey(Predictions.id(tensor.id(), "fashion", 1)).isEmpty());
        given().get("/q/health/ready").then().statusCode(200).body(containsString("waiting"));

        long arrived = System.nanoTime();
        send(ENDPOINTS, TestValues.endpoint(fashion.grpcTarget(), "fashion", 1L, null));
        ConsumerRecord<String, byte[]> record = predictions.await(Predictions.id(tensor.id(), "fashion", 1), TIMEOUT);
        System.out.printf("first prediction %d ms after the first endpoint (includes connecting and GetModelMetadata)%n",
            (System.nanoTime() - arrived) / 1_000_000);

        AnnotatedValue prediction = ValueRecords.decode(record.headers(), record.value());
        assertEquals("prediction", prediction.type());
        assertEquals(List.of(tensor.id()), prediction.sourceIds("tensor"));
        assertEquals(List.of("img-early"), prediction.sourceIds("image"));
        assertEquals("fashion", prediction.annotation("modelName"));
        assertEquals("1", prediction.annotation("modelVersion"));
        assertEquals(prediction.id(), TopicReader.header(record, CloudEventHeaders.ID));
        assertEqualsInProcess(prediction, "fashion", SavedModels.RECIPE, TestValues.pixels(101, 784));
        given().get("/q/health/ready").then().statusCode(200).body(containsString("serving"));
        await().atMost(TIMEOUT).until(() -> !committed().isEmpty());
    }

    @Test
    @Order(2)
    void predictionsEqualInProcessInference() throws Exception {
        List<AnnotatedValue> tensors = new ArrayList<>();
        for (int i = 0; i < 24; i++) {
            tensors.add(TestValues.tensor("img-batch-" + i, 200 + i));
        }
        long start = System.nanoTime();
        for (AnnotatedValue t : tensors) {
            producer.send(record(TENSORS, t));
        }
        producer.flush();
        List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
        for (AnnotatedValue t : tensors) {
            records.add(predictions.await(Predictions.id(t.id(), "fashion", 1), TIMEOUT));
        }
        long burst = System.nanoTime() - start;
        for (int i = 0; i < tensors.size(); i++) {
            assertEqualsInProcess(ValueRecords.decode(records.get(i).headers(), records.get(i).value()), "fashion", SavedModels.RECIPE,
                TestValues.pixels(200 + i, 784));
        }

        List<Long> single = new ArrayList<>();
        List<Long> service = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            AnnotatedValue t = TestValues.tensor("img-single-" + i, 300 + i);
            long sent = System.nanoTime();
            long created = producer.send(record(TENSORS, t)).get().timestamp();
            ConsumerRecord<String, byte[]> prediction = predictions.await(Predictions.id(t.id(), "fashion", 1), TIMEOUT);
            single.add((System.nanoTime() - sent) / 1000);
            service.add(prediction.timestamp() - created);
        }
        single.sort(null);
        service.sort(null);
        Endpoint endpoint = endpoints.current().orElseThrow();
        StringBuilder direct = new StringBuilder();
        for (int size : new int[] {1, 32}) {
            List<TensorInput> inputs = new ArrayList<>();
            for (int i = 0; i < size; i++) {
                inputs.add(TensorInput.of(TestValues.tensor("img-bench-" + i, 600 + i), store));
            }
            predictor.predict(endpoint, inputs);
            int rounds = 20;
            long t0 = System.nanoTime();
            for (int r = 0; r < rounds; r++) {
                predictor.predict(endpoint, inputs);
            }
            double perCall = (System.nanoTime() - t0) / 1e6 / rounds;
            direct.append(String.format("; Predict of %d tensors over gRPC: %.2f ms per call, %.3f ms per tensor", size, perCall,
                perCall / size));
        }
        System.out.println(direct.substring(2));
        given().get("/q/metrics").then().statusCode(200)
            .body(containsString("tffashion_predict_predictions_total{model=\"fashion\",version=\"1\"}"))
            .body(containsString("tffashion_predict_call_latency_seconds_count"))
            .body(containsString("tffashion_predict_end_to_end_seconds_count"))
            .body(containsString("tffashion_predict_batch_size_count"))
            .body(containsString("tffashion_predict_batch_size_sum"))
            .body(containsString("tffashion_predict_produced_total"));
        Timer calls = registry.find("tffashion.predict.call.latency").timer();
        System.out.printf("burst of %d tensors: %.1f ms in all, %.2f ms per prediction; one at a time: send to prediction read back "
            + "median %.2f ms (max %.2f), tensor record to prediction record (timestamps) median %d ms (max %d); Predict call mean "
            + "%.2f ms over %d calls%n", tensors.size(), burst / 1e6, burst / 1e6 / tensors.size(), single.get(single.size() / 2) / 1e3,
            single.get(single.size() - 1) / 1e3, service.get(service.size() / 2), service.get(service.size() - 1),
            calls.mean(TimeUnit.MILLISECONDS), calls.count());
    }

    @Test
    @Order(3)
    void aTensorTfServingRefusesGoesToTheDeadLetterTopicAndTheConsumerGoesOn() throws Exception {
        AnnotatedValue bad = TestValues.tensor("img-wrong-size", new int[] {28, 27}, TestValues.pixels(5, 28 * 27));
        AnnotatedValue good = TestValues.tensor("img-after-wrong-size", 6);
        send(TENSORS, bad);
        send(TENSORS, good);

        ConsumerRecord<String, byte[]> dead = deadLetters.await(bad.id(), TIMEOUT);
        String reason = TopicReader.header(dead, "dead-letter-reason");
        assertTrue(reason.contains("INVALID_ARGUMENT") && reason.contains("[28, 27]"), reason);
        assertEquals(TENSORS, TopicReader.header(dead, "dead-letter-topic"));
        predictions.await(Predictions.id(good.id(), "fashion", 1), TIMEOUT);
        assertTrue(predictions.withKey(Predictions.id(bad.id(), "fashion", 1)).isEmpty());
    }

    @Test
    @Order(4)
    void aRecordThatIsNotAnAnnotatedValueGoesToTheDeadLetterTopic() throws Exception {
        byte[] junk = "this is not JSON \u00e9".getBytes(StandardCharsets.UTF_8);
        producer.send(new ProducerRecord<>(TENSORS, "junk-1", junk)).get();
        AnnotatedValue good = TestValues.tensor("img-after-junk", 7);
        send(TENSORS, good);

        ConsumerRecord<String, byte[]> dead = deadLetters.await("junk-1", TIMEOUT);
        assertArrayEquals(junk, dead.value());
        String reason = TopicReader.header(dead, "dead-letter-reason");
        assertTrue(reason.contains("not an annotated value"), reason);
        predictions.await(Predictions.id(good.id(), "fashion", 1), TIMEOUT);

        AnnotatedValue beside = TestValues.tensor("img-beside-null", 8);
        var sent = List.of(producer.send(new ProducerRecord<>(TENSORS, 0, "junk-null", "null".getBytes(StandardCharsets.UTF_8))),
            producer.send(record(TENSORS, 0, beside)));
        for (var future : sent) {
            future.get();
        }
        String nullReason = TopicReader.header(deadLetters.await("junk-null", TIMEOUT), "dead-letter-reason");
        assertTrue(nullReason.contains("JSON null"), nullReason);
        predictions.await(Predictions.id(beside.id(), "fashion", 1), TIMEOUT);
        assertTrue(deadLetters.withKey(beside.id()).isEmpty(), "the good tensor beside the null record was dead-lettered");
    }

    @Test
    @Order(5)
    void theRequestIsShapedFromTheModelsSignature() throws Exception {
        send(ENDPOINTS, TestValues.endpoint(koalja.grpcTarget(), "koalja", null, null));
        await().atMost(TIMEOUT).until(() -> endpoints.current().map(e -> e.modelName().equals("koalja")).orElse(false));
        AnnotatedValue tensor = TestValues.tensor("img-koalja", 400);
        send(TENSORS, tensor);
        ConsumerRecord<String, byte[]> record = predictions.await(Predictions.id(tensor.id(), "koalja", 1), TIMEOUT);
        assertEqualsInProcess(ValueRecords.decode(record.headers(), record.value()), "koalja", SavedModels.KOALJA,
            TestValues.pixels(400, 784));
    }

    @Test
    @Order(6)
    void nothingIsLostWhileTfServingIsDown() throws Exception {
        send(ENDPOINTS, TestValues.endpoint("127.0.0.1:" + fashionPort, "fashion", 1L, null));
        await().atMost(TIMEOUT).until(() -> endpoints.current().map(e -> e.modelName().equals("fashion")).orElse(false));
        fashion.close();

        List<AnnotatedValue> tensors = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            tensors.add(TestValues.tensor("img-while-down-" + i, 500 + i));
            send(TENSORS, tensors.get(i));
        }
        await().atMost(TIMEOUT).until(() -> state(TaskState.WAITING, "tensors wait, retrying"));
        given().get("/q/health/ready").then().statusCode(503);
        for (AnnotatedValue t : tensors) {
            assertTrue(predictions.withKey(Predictions.id(t.id(), "fashion", 1)).isEmpty());
        }

        fashion = await().atMost(TIMEOUT).ignoreExceptionsInstanceOf(BindException.class)
            .until(() -> server("fashion", fashionPort), s -> s != null);
        for (int i = 0; i < tensors.size(); i++) {
            ConsumerRecord<String, byte[]> record = predictions.await(Predictions.id(tensors.get(i).id(), "fashion", 1), TIMEOUT);
            assertEqualsInProcess(ValueRecords.decode(record.headers(), record.value()), "fashion", SavedModels.RECIPE,
                TestValues.pixels(500 + i, 784));
        }
        for (AnnotatedValue t : tensors) {
            assertTrue(deadLetters.withKey(t.id()).isEmpty(), "not dead-lettered: " + t.id());
        }
        await().atMost(TIMEOUT).until(() -> state(TaskState.SUCCEEDED, "produced"));
    }

    @Test
    @Order(7)
    void aTensorsPredictionAndItsOffsetAreCommittedInOneTransactionUnderTheReplicasTransactionalId() throws Exception {
        send(ENDPOINTS, TestValues.endpoint("127.0.0.1:" + fashionPort, "fashion", 1L, null));
        await().atMost(TIMEOUT).until(() -> endpoints.current().map(e -> e.modelName().equals("fashion")).orElse(false));
        AnnotatedValue tensor = TestValues.tensor("img-in-a-transaction", 700);
        long offset = producer.send(record(TENSORS, 0, tensor)).get().offset();
        predictions.await(Predictions.id(tensor.id(), "fashion", 1), TIMEOUT);
        // The offset is committed by the same transaction as the prediction: visible to read_committed readers together
        TopicPartition partition = new TopicPartition(TENSORS, 0);
        OffsetAndMetadata committed = committed().get(partition);
        assertTrue(committed != null && committed.offset() > offset, "the tensor's offset is committed with its prediction: "
            + committed);
        assertEquals(1, predictions.withKey(Predictions.id(tensor.id(), "fashion", 1)).size(), "exactly one prediction");
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaTestResource.bootstrapServers()))) {
            List<String> ids = admin.listTransactions().all().get().stream().map(t -> t.transactionalId()).toList();
            assertTrue(ids.contains("tf-fashion.predict." + pipelineConfig.instance()), "one transactional id per replica, "
                + "<pipeline>.<task>.<instance>: " + ids);
        }
    }

    private void assertEqualsInProcess(AnnotatedValue prediction, String model, SavedModels.Spec spec, float[] pixels) {
        SavedModelBundle bundle = IN_PROCESS.computeIfAbsent(model, m -> SavedModels.load(models.resolve(m).resolve("1")));
        float[] expected = SavedModels.inProcess(bundle, spec, pixels);
        PredictionValue.Content content = PredictionValue.from(prediction, store).content();
        int best = 0;
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], content.probabilities().get(i).probability(), 1e-6, "probability of class " + i);
            best = expected[i] > expected[best] ? i : best;
        }
        assertEquals(best, content.label());
        assertEquals(Integer.toString(best), prediction.annotation("label"));
        assertEquals(Classification.CLASS_NAMES.get(best), prediction.annotation("className"));
        assertEquals(expected[best], Float.parseFloat(prediction.annotation("score")), 1e-6);
    }

    private boolean state(TaskState state, String reasonPart) {
        StatusEvent last = status.last("predict");
        return last != null && last.state() == state && last.reason() != null && last.reason().contains(reasonPart);
    }

    private static Map<TopicPartition, OffsetAndMetadata> committed() throws ExecutionException, InterruptedException {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaTestResource.bootstrapServers()))) {
            return admin.listConsumerGroupOffsets(GROUP).partitionsToOffsetAndMetadata().get();
        }
    }

    private static void send(String topic, AnnotatedValue value) throws Exception {
        producer.send(record(topic, value)).get();
    }

    private static ProducerRecord<String, byte[]> record(String topic, AnnotatedValue value) {
        return record(topic, null, value);
    }

    private static ProducerRecord<String, byte[]> record(String topic, Integer partition, AnnotatedValue value) {
        RecordHeaders headers = new RecordHeaders();
        return new ProducerRecord<>(topic, partition, value.id(), ValueRecords.encode(value, headers), headers);
    }

    private static ModelServer server(String name, int port) throws IOException {
        return ModelServer.builder().modelName(name).modelBasePath(models.resolve(name)).grpcPort(port)
            .restPort(ModelServer.DISABLED).pollInterval(Duration.ZERO).build().start();
    }
}
