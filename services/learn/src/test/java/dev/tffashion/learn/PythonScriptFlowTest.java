package dev.tffashion.learn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tffashion.fashionmnist.DatasetLocator;
import dev.tffashion.fashionmnist.FashionMnist;
import dev.tffashion.kafkalocal.testing.KafkaTestResource;
import dev.tffashion.learn.training.InferenceModel;
import dev.tffashion.learn.training.Trainer;
import dev.tffashion.learn.training.TrainingRun;
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
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.kafka.InjectKafkaCompanion;
import io.smallrye.reactive.messaging.kafka.companion.ConsumerTask;
import io.smallrye.reactive.messaging.kafka.companion.KafkaCompanion;
import jakarta.inject.Inject;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.OptionalInt;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * A Python script run as a process ({@code learn.python.command=python3}): this machine's Python has no TensorFlow, so the
 * script copies a SavedModel made here and prints Keras' epoch lines; learn then evaluates and publishes it like any model.
 */
@QuarkusTest
@TestProfile(PythonScriptFlowTest.PythonProcess.class)
@WithTestResource(KafkaTestResource.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PythonScriptFlowTest {

    /** Python scripts on, as child processes. */
    public static class PythonProcess implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("learn.python.command", "python3", "learn.python.executor", "process", "learn.python.timeout", "2m");
        }
    }

    private static final Duration WAIT = Duration.ofSeconds(120);

    @InjectKafkaCompanion
    KafkaCompanion companion;

    @Inject
    ContentStore store;

    private Path temp;

    private ConsumerTask<String, String> models;
    private ConsumerTask<String, String> deadLetters;
    private Path prepared;

    @BeforeAll
    void prepare() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/python3")), "python3 is not installed");
        models = consume("tf-fashion.learn.model");
        deadLetters = consume("tf-fashion.learn.dlq");
        temp = Files.createTempDirectory(Files.createDirectories(Path.of("target")), "python-flow-").toAbsolutePath();
        FashionMnist data = FashionMnist.load(DatasetLocator.builder().download(false).build());
        TrainingRun run = new Trainer(p -> { }, Duration.ofSeconds(5))
            .train(new Recipe(ModelKind.MLP, 1, 100, 0.002, 1, OptionalInt.of(1000)), data);
        prepared = temp.resolve("prepared");
        try (InferenceModel model = InferenceModel.of(run.parameters())) {
            model.export(prepared);
        }
    }

    private ConsumerTask<String, String> consume(String topic) {
        return companion.consumeStrings().withProp(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest").fromTopics(topic);
    }

    @AfterAll
    void close() {
        if (models != null) {
            models.close();
            deadLetters.close();
        }
        if (temp != null) {
            WorkFolders.delete(temp);
        }
    }

    private static ConsumerRecord<String, String> find(ConsumerTask<String, String> task, String key) {
        return task.getRecords().stream().filter(r -> key.equals(r.key())).findFirst().orElse(null);
    }

    @Test
    void aScriptsSavedModelIsEvaluatedAndPublished() throws Exception {
        String script = """
            import os, shutil, sys
            print("Epoch 1/2")
            print("10/10 - 1s - accuracy: 0.7012 - loss: 0.9100")
            print("Epoch 2/2")
            print("10/10 - 1s - accuracy: 0.7711 - loss: 0.7000")
            assert os.path.isdir(os.environ["FASHION_MNIST_DIR"]), "FASHION_MNIST_DIR is passed"
            shutil.copytree(%s, os.path.join(sys.argv[1], "1"))
            """.formatted(Json.toString(prepared.toString()));
        AnnotatedValue drop = Drops.drop(companion, store, "learn_script.py", ScriptKind.PYTHON_MEDIA_TYPE, script);
        String modelId = ValueIds.derived("learn", "model", drop.id());

        await().atMost(WAIT).until(() -> find(models, modelId) != null || find(deadLetters, drop.id()) != null);
        assertThat(find(deadLetters, drop.id())).as("dead letter").isNull();
        ConsumerRecord<String, String> record = find(models, modelId);

        AnnotatedValue model = ModelValue.from(
            ValueRecords.decode(record.headers(), record.value().getBytes(StandardCharsets.UTF_8))).toValue();
        assertThat(model.sourceIds("script")).containsExactly(drop.id());
        assertThat(model.annotations()).containsEntry("model", "python").containsEntry("trainer", "python-process")
            .containsEntry("scriptKind", "python").containsEntry("inputName", "images").doesNotContainKey("recipe");
        assertThat(Double.parseDouble(model.annotation("testAccuracy"))).isGreaterThan(0.5);
        assertThat(Json.mapper().readTree(model.annotation("history")).size()).isEqualTo(2);
        Path unpacked = temp.resolve("unpacked");
        try (InputStream archive = Contents.open(store, ContentRef.of(model))) {
            Contents.extractTar(archive, unpacked);
        }
        assertThat(unpacked.resolve("saved_model.pb")).exists();
        assertThat(unpacked.resolve("assets.extra/evaluation_samples.json")).exists();
        assertThat(unpacked.resolve("assets.extra/preprocessing.json")).exists();
    }

    @Test
    void aFailingScriptIsDeadLetteredWithItsLastLines() {
        AnnotatedValue drop = Drops.drop(companion, store, "broken.py", ScriptKind.PYTHON_MEDIA_TYPE,
            "import sys\nprint('loading data')\nsys.exit('no TensorFlow in this Python')\n");

        ConsumerRecord<String, String> dead = await().atMost(WAIT).until(() -> find(deadLetters, drop.id()), r -> r != null);

        String reason = new String(dead.headers().lastHeader("dead-letter-reason").value(), StandardCharsets.UTF_8);
        assertThat(reason).contains("the script exited with code 1").contains("no TensorFlow in this Python");
    }
}
