package dev.tffashion.predict;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import dev.tffashion.kafkalocal.testing.KafkaTestResource;
import dev.tffashion.modelserver.ModelServer;
import dev.tffashion.pipeline.AnnotatedValue;
import dev.tffashion.pipeline.ValueIds;
import dev.tffashion.pipeline.contracts.EndpointValue;
import dev.tffashion.pipeline.contracts.RolloutPolicy;
import dev.tffashion.pipeline.contracts.ShadowPrediction;
import dev.tffashion.pipeline.graph.PipelineGraph;
import dev.tffashion.pipeline.kafka.ValueRecords;
import dev.tffashion.tfserving.client.TfServingConnection;
import dev.tffashion.tfserving.client.TfServingSettings;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * Predict under a rollout, against a real model server that serves two versions (reloaded with a {@code specific} model config):
 * in {@code shadow} every user prediction comes from the live version and each tensor's challenger prediction goes to
 * {@code predict.shadow} with the live class beside it; in {@code canary} the pictures of the challenger's arm (by image id)
 * are answered by it, the others by the live version, and each prediction names its version and arm.
 */
@QuarkusTest
@WithTestResource(value = KafkaTestResource.class, scope = TestResourceScope.RESTRICTED_TO_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PredictRolloutTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final PipelineGraph GRAPH = PipelineGraph.load("tf-fashion");

    private static Path models;
    private static ModelServer server;
    private static KafkaProducer<String, byte[]> producer;
    private static TopicReader predictions;
    private static TopicReader shadow;

    @BeforeAll
    static void start() throws Exception {
        models = Files.createTempDirectory("predict-rollout");
        SavedModels.export(models.resolve("fashion").resolve("1"), SavedModels.RECIPE, 11);
        SavedModels.export(models.resolve("fashion").resolve("2"), SavedModels.RECIPE, 33);
        server = ModelServer.builder().modelName("fashion").modelBasePath(models.resolve("fashion")).restPort(ModelServer.DISABLED)
            .pollInterval(Duration.ZERO).build().start();
        try (TfServingConnection connection = new TfServingConnection(server.grpcTarget(), TfServingSettings.plain(
            Duration.ofSeconds(60)))) {
            connection.reloadConfig("fashion", models.resolve("fashion").toString(), List.of(1L, 2L), Map.of("stable", 1L, "canary", 2L));
        }
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaTestResource.bootstrapServers());
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        producer = new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer());
        predictions = new TopicReader(KafkaTestResource.bootstrapServers(), GRAPH.topic("predict", "prediction"));
        shadow = new TopicReader(KafkaTestResource.bootstrapServers(), GRAPH.shadowTopic());
    }

    @AfterAll
    static void stop() throws Exception {
        for (AutoCloseable c : new AutoCloseable[] {predictions, shadow, producer, server}) {
            if (c != null) {
                c.close();
            }
        }
    }

    @Test
    @Order(1)
    void shadowAnswersGoToTheShadowTopicOnlyAndUsersGetTheLiveVersion() throws Exception {
        send(GRAPH.inputTopic("predict", "endpoint"), endpoint("shadow", null));
        List<AnnotatedValue> tensors = tensors("shadow", 12);
        for (AnnotatedValue tensor : tensors) {
            AnnotatedValue live = decode(predictions.await(Predictions.id(tensor.id(), "fashion", 1), TIMEOUT));
            assertEquals("1", live.annotation("modelVersion"));
            assertEquals("live", live.annotation(ShadowPrediction.ARM));
            AnnotatedValue challenger = decode(shadow.await(ValueIds.derived("predict", ShadowPrediction.OUTPUT, tensor.id(),
                "model:fashion:2"), TIMEOUT));
            assertEquals("2", challenger.annotation("modelVersion"));
            assertEquals("shadow", challenger.output());
            assertEquals("1", challenger.annotation(ShadowPrediction.LIVE_VERSION));
            assertEquals(live.annotation("label"), challenger.annotation(ShadowPrediction.LIVE_LABEL));
            assertTrue(Long.parseLong(challenger.annotation(ShadowPrediction.LIVE_MICROS)) > 0);
            assertTrue(Long.parseLong(challenger.annotation(ShadowPrediction.CHALLENGER_MICROS)) > 0);
            assertTrue(predictions.withKey(Predictions.id(tensor.id(), "fashion", 2)).isEmpty(), "the challenger never answers a user");
        }
    }

    @Test
    @Order(2)
    void aCanaryAnswersItsArmByImageIdAndEachPredictionNamesItsVersion() throws Exception {
        send(GRAPH.inputTopic("predict", "endpoint"), endpoint("canary", 0.5));
        List<AnnotatedValue> tensors = tensors("canary", 24);
        Set<Boolean> arms = new java.util.HashSet<>();
        for (AnnotatedValue tensor : tensors) {
            String image = tensor.sourceIds("image").get(0);
            boolean canary = RolloutPolicy.canaryArm(image, 0.5);
            arms.add(canary);
            long version = canary ? 2 : 1;
            AnnotatedValue published = decode(predictions.await(Predictions.id(tensor.id(), "fashion", version), TIMEOUT));
            assertEquals(Long.toString(version), published.annotation("modelVersion"));
            assertEquals(canary ? "canary" : "live", published.annotation(ShadowPrediction.ARM));
            assertTrue(predictions.withKey(Predictions.id(tensor.id(), "fashion", canary ? 1 : 2)).isEmpty(),
                "one prediction per picture, from its arm");
            if (canary) {
                AnnotatedValue compared = decode(shadow.await(ValueIds.derived("predict", ShadowPrediction.OUTPUT, tensor.id(),
                    "model:fashion:2"), TIMEOUT));
                assertEquals("canary", compared.annotation(ShadowPrediction.ARM));
            }
        }
        assertEquals(Set.of(true, false), arms, "24 images fall in both arms");
    }

    private static AnnotatedValue endpoint(String rollout, Double weight) {
        return new EndpointValue(server.grpcTarget(), null, "fashion", 1L, null, null, null, "model-1-" + rollout, "0.9", "external",
            rollout, 2L, "model-2-" + rollout, weight).toValue("tf-fashion");
    }

    private static List<AnnotatedValue> tensors(String prefix, int n) throws Exception {
        List<AnnotatedValue> tensors = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            AnnotatedValue tensor = TestValues.tensor(prefix + "-image-" + i, 500 + i);
            tensors.add(tensor);
            send(GRAPH.inputTopic("predict", "tensor"), tensor);
        }
        return tensors;
    }

    private static AnnotatedValue decode(ConsumerRecord<String, byte[]> record) {
        return ValueRecords.decode(record.headers(), record.value());
    }

    private static void send(String topic, AnnotatedValue value) throws Exception {
        RecordHeaders headers = new RecordHeaders();
        producer.send(new ProducerRecord<>(topic, null, value.id(), ValueRecords.encode(value, headers), headers)).get();
    }
}
