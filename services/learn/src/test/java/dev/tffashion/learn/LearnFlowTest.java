package dev.tffashion.learn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tffashion.kafkalocal.testing.KafkaTestResource;
import dev.tffashion.pipeline.AnnotatedValue;
import dev.tffashion.pipeline.Json;
import dev.tffashion.pipeline.ValueIds;
import dev.tffashion.pipeline.contracts.ModelValue;
import dev.tffashion.pipeline.kafka.ValueRecords;
import dev.tffashion.pipeline.store.ContentRef;
import dev.tffashion.pipeline.store.ContentStore;
import dev.tffashion.pipeline.store.Contents;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kafka.InjectKafkaCompanion;
import io.restassured.RestAssured;
import io.smallrye.reactive.messaging.kafka.companion.ConsumerTask;
import io.smallrye.reactive.messaging.kafka.companion.KafkaCompanion;
import jakarta.inject.Inject;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.types.TFloat32;

/**
 * The learn task on a real broker: a dropped recipe becomes a model value (stored tar, lineage, evaluation annotations,
 * CloudEvents headers) with progress on the status topic and the offset committed; bad input is dead-lettered with the
 * reason.
 */
@QuarkusTest
@WithTestResource(KafkaTestResource.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LearnFlowTest {

    private static final Duration WAIT = Duration.ofSeconds(120);

    @InjectKafkaCompanion
    KafkaCompanion companion;

    @Inject
    ContentStore store;

    @TempDir
    Path temp;

    private ConsumerTask<String, String> models;
    private ConsumerTask<String, String> deadLetters;
    private ConsumerTask<String, String> statuses;
    private ConsumerTask<String, String> drops;

    @BeforeAll
    void consume() {
        drops = consume(Drops.TOPIC);
        models = consume("tf-fashion.learn.model");
        deadLetters = consume("tf-fashion.learn.dlq");
        statuses = consume("tf-fashion.status");
    }

    private ConsumerTask<String, String> consume(String topic) {
        return companion.consumeStrings().withProp(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest").fromTopics(topic);
    }

    @AfterAll
    void close() {
        drops.close();
        models.close();
        deadLetters.close();
        statuses.close();
    }

    @Test
    void aRecipeBecomesAModelValueWithItsEvaluationAndLineage() throws Exception {
        AnnotatedValue drop = Drops.drop(companion, store, "quick.yaml", "application/yaml",
            "model: mlp\nepochs: 2\nbatchSize: 100\nlearningRate: 0.002\nseed: 5\nmaxTrainExamples: 2000\n");
        String modelId = ValueIds.derived("learn", "model", drop.id());

        ConsumerRecord<String, String> record = await().atMost(WAIT).until(() -> find(models, modelId), r -> r != null);

        AnnotatedValue model = ModelValue.from(
            ValueRecords.decode(record.headers(), record.value().getBytes(StandardCharsets.UTF_8))).toValue();
        assertThat(model.id()).isEqualTo(modelId);
        assertThat(model.task()).isEqualTo("learn");
        assertThat(model.output()).isEqualTo("model");
        assertThat(model.type()).isEqualTo("modelFile");
        assertThat(model.sourceIds("script")).containsExactly(drop.id());
        assertThat(model.data()).startsWith("store:sha256:");
        assertThat(model.mediaType()).isEqualTo("application/x-tar");
        Map<String, String> a = model.annotations();
        assertThat(a).containsEntry("model", "mlp").containsEntry("recipeId", drop.id()).containsEntry("recipeFileName", "quick.yaml")
            .containsEntry("trainer", "tensorflow-java").containsEntry("signature", "serving_default")
            .containsEntry("inputName", "images").containsEntry("outputName", "probabilities").containsEntry("epochs", "2")
            .containsEntry("trainExamples", "2000").containsEntry("testExamples", "10000");
        assertThat(Double.parseDouble(a.get("testAccuracy"))).isBetween(0.6, 1.0);
        assertThat(Double.parseDouble(a.get("photoAccuracy"))).isBetween(0.1, 1.0);
        JsonNode mistakes = Json.mapper().readTree(a.get("mistakes"));
        assertThat(mistakes.size()).isEqualTo(10);
        assertThat(mistakes.get(0).path("className").asText()).isNotEqualTo(mistakes.get(0).path("predictedClassName").asText());
        assertThat(Json.mapper().readTree(a.get("perClassAccuracy")).size()).isEqualTo(10);
        JsonNode confusion = Json.mapper().readTree(a.get("confusionMatrix"));
        assertThat(confusion.size()).isEqualTo(10);
        assertThat(Json.mapper().readTree(a.get("history")).size()).isEqualTo(2);
        assertThat(Json.mapper().readTree(a.get("datasetMd5")).path("train-images-idx3-ubyte").asText())
            .isEqualTo("f4a8712d7a061bf5bd6d2ca38dc4d50a");
        assertThat(header(record, "ce_source")).isEqualTo("/tf-fashion/learn/model");
        assertThat(header(record, "ce_id")).isEqualTo(modelId);

        Path unpacked = temp.resolve("model");
        try (InputStream archive = Contents.open(store, ContentRef.of(model))) {
            Contents.extractTar(archive, unpacked);
        }
        assertThat(unpacked.resolve("saved_model.pb")).exists();
        assertServesItsEvaluationSamples(unpacked);

        List<JsonNode> learnEvents = learnStatus();
        assertThat(learnEvents).anySatisfy(e -> {
            assertThat(e.path("state").asText()).isEqualTo("active");
            assertThat(e.path("details").path("valueId").asText()).isEqualTo(drop.id());
            assertThat(e.path("details").has("epoch")).isTrue();
            assertThat(e.path("details").has("etaSeconds")).isTrue();
            assertThat(e.path("progress").asDouble()).isBetween(0.0, 1.0);
        });
        await().atMost(WAIT).untilAsserted(() -> assertThat(learnStatus()).anySatisfy(e -> {
            assertThat(e.path("state").asText()).isEqualTo("succeeded");
            assertThat(e.path("details").path("modelValueId").asText()).isEqualTo(modelId);
        }));

        TopicPartition partition = new TopicPartition(Drops.TOPIC, dropRecordPartition(drop.id()));
        await().atMost(WAIT).untilAsserted(() -> {
            OffsetAndMetadata committed = companion.consumerGroups().offsets("tf-fashion-learn", partition);
            assertThat(committed).isNotNull();
            assertThat(committed.offset()).isGreaterThan(dropRecordOffset(drop.id()));
        });

        RestAssured.get("/q/health/ready").then().statusCode(200);
    }

    @Test
    void aBadRecipeIsDeadLetteredWithTheLineAndTheFix() {
        AnnotatedValue drop = Drops.drop(companion, store, "bad.yaml", "application/yaml", "model: transformer\nepochs: 3\n");

        ConsumerRecord<String, String> dead = await().atMost(WAIT).until(() -> find(deadLetters, drop.id()), r -> r != null);

        assertThat(header(dead, "dead-letter-reason"))
            .contains("bad.yaml: invalid training recipe: line 1: model 'transformer' is not supported; use mlp or cnn");
        assertThat(header(dead, "dead-letter-code")).isEqualTo("recipe");
        await().atMost(WAIT).untilAsserted(() -> assertThat(learnStatus()).anySatisfy(e -> {
            assertThat(e.path("state").asText()).isEqualTo("failed");
            assertThat(e.path("reason").asText()).contains("model 'transformer' is not supported");
            assertThat(e.path("details").path("failure").asText()).isEqualTo("recipe");
        }));
    }

    @Test
    void aPythonScriptIsRefusedWhilePythonIsOff() {
        AnnotatedValue drop = Drops.drop(companion, store, "learn_script.py", ScriptKind.PYTHON_MEDIA_TYPE,
            "import tensorflow as tf\nprint(tf.__version__)\n");

        ConsumerRecord<String, String> dead = await().atMost(WAIT).until(() -> find(deadLetters, drop.id()), r -> r != null);

        assertThat(header(dead, "dead-letter-reason")).contains("Python training scripts are off")
            .contains("set learn.python.command");
    }

    @Test
    void aRecordThatIsNotAValueIsDeadLettered() {
        companion.produceStrings().fromRecords(new ProducerRecord<>(Drops.TOPIC, "junk-1", "this is not JSON"))
            .awaitCompletion(Duration.ofSeconds(30));

        ConsumerRecord<String, String> dead = await().atMost(WAIT).until(() -> find(deadLetters, "junk-1"), r -> r != null);

        assertThat(dead.value()).isEqualTo("this is not JSON");
        assertThat(header(dead, "dead-letter-reason")).isNotBlank();
        assertThat(header(dead, "dead-letter-code")).isEqualTo("MALFORMED_VALUE");
    }

    @Test
    void emptyAndNullRecordsAreDeadLetteredWithTheReason() {
        companion.produceStrings().fromRecords(new ProducerRecord<>(Drops.TOPIC, "junk-empty", ""),
            new ProducerRecord<>(Drops.TOPIC, "junk-blank", " \t\n"), new ProducerRecord<>(Drops.TOPIC, "junk-null", "null"))
            .awaitCompletion(Duration.ofSeconds(30));

        assertThat(header(await().atMost(WAIT).until(() -> find(deadLetters, "junk-empty"), r -> r != null), "dead-letter-reason"))
            .contains("the record's value is empty");
        assertThat(header(await().atMost(WAIT).until(() -> find(deadLetters, "junk-blank"), r -> r != null), "dead-letter-reason"))
            .contains("white space only");
        assertThat(header(await().atMost(WAIT).until(() -> find(deadLetters, "junk-null"), r -> r != null), "dead-letter-reason"))
            .contains("JSON null");
    }

    private static void assertServesItsEvaluationSamples(Path savedModel) throws Exception {
        JsonNode samples = Json.mapper().readTree(Files.readAllBytes(savedModel.resolve("assets.extra/evaluation_samples.json")));
        assertThat(samples.path("samples").size()).isEqualTo(20);
        try (SavedModelBundle bundle = SavedModelBundle.load(savedModel.toString(), "serve")) {
            JsonNode sample = samples.path("samples").get(0);
            float[] pixels = new float[784];
            for (int p = 0; p < 784; p++) {
                pixels[p] = sample.path("pixels").get(p).asInt() / 255f;
            }
            try (TFloat32 input = TFloat32.tensorOf(Shape.of(1, 28, 28), DataBuffers.of(pixels, true, false));
                Result result = bundle.function("serving_default").call(Map.of("images", input))) {
                TFloat32 output = (TFloat32) result.get("probabilities").orElseThrow();
                for (int c = 0; c < 10; c++) {
                    assertThat(output.getFloat(0, c)).isCloseTo(sample.path("probabilities").get(c).floatValue(),
                        org.assertj.core.data.Offset.offset(1e-5f));
                }
            }
        }
    }

    private List<JsonNode> learnStatus() {
        return statuses.getRecords().stream().filter(r -> r.key().startsWith("learn/"))
            .map(r -> {
                try {
                    return Json.mapper().readTree(r.value());
                } catch (java.io.IOException e) {
                    throw new IllegalStateException(e);
                }
            }).toList();
    }

    private static ConsumerRecord<String, String> find(ConsumerTask<String, String> task, String key) {
        return task.getRecords().stream().filter(r -> key.equals(r.key())).findFirst().orElse(null);
    }

    private static String header(ConsumerRecord<String, String> record, String name) {
        Header header = record.headers().lastHeader(name);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }

    private ConsumerRecord<String, String> dropRecord(String id) {
        return await().atMost(WAIT).until(() -> find(drops, id), r -> r != null);
    }

    private int dropRecordPartition(String id) {
        return dropRecord(id).partition();
    }

    private long dropRecordOffset(String id) {
        return dropRecord(id).offset();
    }
}
