package dev.tffashion.learn.training;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tffashion.fashionmnist.DatasetLocator;
import dev.tffashion.fashionmnist.FashionMnist;
import dev.tffashion.learn.ExportedModel;
import dev.tffashion.learn.ModelKind;
import dev.tffashion.learn.Recipe;
import dev.tffashion.learn.TrainingProgress;
import dev.tffashion.tfservingapi.WarmupRecords;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Signature;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.MetaGraphDef;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.proto.SignatureDef;
import org.tensorflow.proto.TensorProto;
import org.tensorflow.types.TFloat32;
import tensorflow.serving.PredictionLogOuterClass.PredictionLog;

/** Quick trainings on a slice of the real Fashion-MNIST: seconds, not minutes. */
class TrainerTest {

    private static FashionMnist data;

    @TempDir
    Path dir;

    @BeforeAll
    static void loadData() throws IOException {
        data = FashionMnist.load(DatasetLocator.builder().download(false).build());
    }

    @Test
    void eachEpochIsASpanUnderTheRecipesSpan() {
        InMemorySpanExporter spans = InMemorySpanExporter.create();
        try (SdkTracerProvider provider = SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(spans)).build()) {
            Tracer tracer = provider.get("test");
            Recipe recipe = new Recipe(ModelKind.MLP, 3, 100, 0.002, 7, OptionalInt.of(600));
            Span recipeSpan = tracer.spanBuilder("recipe").startSpan();
            try (Scope scope = recipeSpan.makeCurrent()) {
                new Trainer(p -> { }, Duration.ofSeconds(1), 0, tracer).train(recipe, data);
            } finally {
                recipeSpan.end();
            }
            List<SpanData> epochs = spans.getFinishedSpanItems().stream().filter(s -> s.getName().startsWith("epoch ")).toList();
            assertEquals(List.of("epoch 1", "epoch 2", "epoch 3"), epochs.stream().map(SpanData::getName).toList());
            for (SpanData epoch : epochs) {
                assertEquals(recipeSpan.getSpanContext().getSpanId(), epoch.getParentSpanId(), epoch.getName() + " under the recipe");
                assertTrue(epoch.getAttributes().get(AttributeKey.doubleKey("tffashion.loss")) > 0, epoch.getName() + " has its loss");
                assertTrue(epoch.getEndEpochNanos() > epoch.getStartEpochNanos());
            }
            assertEquals(3L, epochs.get(2).getAttributes().get(AttributeKey.longKey("tffashion.epoch")));
        }
    }

    @Test
    void quickMlpTrainingExportsASlimServableModel() throws IOException {
        Recipe recipe = new Recipe(ModelKind.MLP, 1, 50, 0.002, 7, OptionalInt.of(2000));
        List<TrainingProgress> progress = new CopyOnWriteArrayList<>();

        TrainingRun run = new Trainer(progress::add, Duration.ofSeconds(1)).train(recipe, data);
        ExportedModel model = ModelExporter.export(run, data, dir.resolve("model"));

        assertEquals(2000, run.trainExamples());
        assertEquals(40, run.steps());
        TrainingProgress last = progress.get(progress.size() - 1);
        assertTrue(last.epochEnd());
        assertEquals(40, last.step());
        assertEquals(Duration.ZERO, last.eta());
        assertTrue(model.evaluation().testAccuracy() > 0.6, "accuracy " + model.evaluation().testAccuracy());
        assertEquals(10000, model.evaluation().testExamples());
        assertEquals(10000, java.util.Arrays.stream(model.evaluation().confusionMatrix()).flatMapToInt(java.util.Arrays::stream).sum());
        assertEquals("f4a8712d7a061bf5bd6d2ca38dc4d50a", model.datasetChecksums().get("train-images-idx3-ubyte"));
        assertEquals(20, model.samples().size());
        assertEquals(1000, model.photos().images());
        assertEquals(List.of("JPEG_56_RGB", "PNG_100X120_RGBA"), List.copyOf(model.photos().forms().keySet()));
        assertTrue(model.photos().accuracy() > 0.2 && model.photos().accuracy() < 1, "photo accuracy " + model.photos());
        assertEquals(10, model.mistakes().size());
        for (int i = 0; i < model.mistakes().size(); i++) {
            var mistake = model.mistakes().get(i);
            assertTrue(mistake.label() != mistake.predicted(), "a mistake is wrong: " + mistake);
            assertEquals(data.test().label(mistake.testIndex()), mistake.label());
            assertArrayEquals(data.test().rawImage(mistake.testIndex()), java.util.Base64.getDecoder().decode(mistake.image()));
            if (i > 0) {
                assertTrue(mistake.confidence() <= model.mistakes().get(i - 1).confidence(), "most confident first");
            }
        }

        Path exported = dir.resolve("model");
        assertTrue(Files.isRegularFile(exported.resolve("saved_model.pb")));
        assertTrue(Files.isDirectory(exported.resolve("variables")));
        JsonNode preprocessing = new ObjectMapper().readTree(exported.resolve("assets.extra/preprocessing.json").toFile());
        assertEquals("light-on-dark", preprocessing.path("image").path("polarity").asText());
        assertEquals("images", preprocessing.path("input").path("name").asText());
        JsonNode evaluation = new ObjectMapper().readTree(exported.resolve("assets.extra/evaluation.json").toFile());
        assertEquals(model.evaluation().testAccuracy(), evaluation.path("testAccuracy").asDouble());
        assertModelAnswersLikeItsEvaluationSamples(exported, 4);

        List<PredictionLog> warmup = WarmupRecords.read(exported.resolve("assets.extra/tf_serving_warmup_requests"));
        assertEquals(1, warmup.size());
        TensorProto picture = warmup.get(0).getPredictLog().getRequest().getInputsOrThrow("images");
        assertEquals(DataType.DT_FLOAT, picture.getDtype());
        assertEquals(1, picture.getTensorShape().getDim(0).getSize());
        float[] sent = new float[784];
        picture.getTensorContent().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(sent);
        assertArrayEquals(model.samples().get(0).image(), sent);
    }

    @Test
    void quickCnnTrainingExportsAServableModel() throws IOException {
        Recipe recipe = new Recipe(ModelKind.CNN, 1, 50, 0.002, 7, OptionalInt.of(500));

        TrainingRun run = new Trainer(p -> { }, Duration.ofSeconds(1)).train(recipe, data);
        ExportedModel model = ModelExporter.export(run, data, dir.resolve("cnn"));

        assertTrue(model.evaluation().testAccuracy() > 0.3, "accuracy " + model.evaluation().testAccuracy());
        assertModelAnswersLikeItsEvaluationSamples(dir.resolve("cnn"), 8);
    }

    @Test
    void batchNormalisedAugmentedCnnWithAValidationSplitExportsItsMovingAverages() throws IOException {
        Recipe recipe = new Recipe(ModelKind.CNN, 2, 50, 0.003, 7, OptionalInt.of(600), 8, true,
            new Recipe.Augmentation(true, 2, 0.1), 0.2, 0, 1);

        TrainingRun run = new Trainer(p -> { }, Duration.ofSeconds(1)).train(recipe, data);
        ExportedModel model = ModelExporter.export(run, data, dir.resolve("bn"));

        assertEquals(480, run.trainExamples(), "20 % of 600 held out");
        assertEquals(2, run.history().size());
        run.history().forEach(epoch -> assertTrue(epoch.validationAccuracy() != null && epoch.validationAccuracy() > 0.1,
            "validation accuracy of " + epoch));
        double best = run.history().stream().mapToDouble(e -> e.validationAccuracy()).max().orElseThrow();
        assertEquals(best, run.history().get(run.bestEpoch() - 1).validationAccuracy());
        float[] movingVariance = run.parameters().values().get("conv1_moving_variance");
        assertFalse(java.util.Arrays.equals(new float[] {1, 1, 1, 1, 1, 1, 1, 1}, movingVariance), "moving averages were updated");
        assertTrue(model.evaluation().testAccuracy() > 0.3, "accuracy " + model.evaluation().testAccuracy());
        // 3 kernels + output kernel and bias + 3 x (gamma, beta, moving mean, moving variance)
        assertModelAnswersLikeItsEvaluationSamples(dir.resolve("bn"), 17);
    }

    @Test
    void stopsEarlyWhenTheValidationAccuracyStopsImprovingAndKeepsTheBestEpoch() {
        // A learning rate this small leaves the weights (and so the validation accuracy) as they are: no epoch is better
        // than the first, and patience 2 ends the run after epoch 3 of 6.
        Recipe recipe = new Recipe(ModelKind.MLP, 6, 100, 1e-9, 3, OptionalInt.of(1000), 32, false, Recipe.Augmentation.NONE,
            0.1, 2, 0);

        TrainingRun run = new Trainer(p -> { }, Duration.ofSeconds(1)).train(recipe, data);

        assertEquals(3, run.history().size());
        assertEquals(1, run.bestEpoch());
        assertEquals(27, run.steps());
    }

    @Test
    void threadsComeFromTheRecipeOrTheCoresAndTheServiceCapsThem() {
        Recipe auto = new Recipe(ModelKind.MLP, 1, 100, 0.001, 1, OptionalInt.empty());
        Recipe three = new Recipe(ModelKind.MLP, 1, 100, 0.001, 1, OptionalInt.empty(), 32, false, Recipe.Augmentation.NONE, 0, 0,
            3);
        assertEquals(Runtime.getRuntime().availableProcessors(), Trainer.threads(auto, 0));
        assertEquals(3, Trainer.threads(three, 0));
        assertEquals(2, Trainer.threads(three, 2));
        assertEquals(1, Trainer.threads(auto, 1));
    }

    @Test
    void theSameSeedGivesTheSameModelBitForBit() {
        Recipe recipe = new Recipe(ModelKind.MLP, 1, 100, 0.001, 11, OptionalInt.of(1000));
        TrainingRun first = new Trainer(p -> { }, Duration.ofSeconds(1)).train(recipe, data);
        TrainingRun second = new Trainer(p -> { }, Duration.ofSeconds(1)).train(recipe, data);
        TrainingRun other = new Trainer(p -> { }, Duration.ofSeconds(1)).train(
            new Recipe(ModelKind.MLP, 1, 100, 0.001, 12, OptionalInt.of(1000)), data);

        for (Map.Entry<String, float[]> entry : first.parameters().values().entrySet()) {
            assertArrayEquals(entry.getValue(), second.parameters().values().get(entry.getKey()), entry.getKey());
        }
        assertFalse(java.util.Arrays.equals(first.parameters().values().get("output_bias"),
            other.parameters().values().get("output_bias")));
    }

    /** Loads the SavedModel as TF Serving would and checks signature, slimness and the evaluation samples (1e-5). */
    private static void assertModelAnswersLikeItsEvaluationSamples(Path exported, int expectedVariables) throws IOException {
        JsonNode samples = new ObjectMapper().readTree(exported.resolve("assets.extra/evaluation_samples.json").toFile());
        assertEquals(20, samples.path("samples").size());
        try (SavedModelBundle bundle = SavedModelBundle.load(exported.toString(), "serve")) {
            MetaGraphDef meta = bundle.metaGraphDef();
            SignatureDef signature = meta.getSignatureDefOrThrow(Signature.DEFAULT_KEY);
            assertEquals("tensorflow/serving/predict", signature.getMethodName());
            assertEquals(List.of(-1L, 28L, 28L), signature.getInputsOrThrow("images").getTensorShape().getDimList().stream()
                .map(d -> d.getSize()).toList());
            assertEquals(List.of(-1L, 10L), signature.getOutputsOrThrow("probabilities").getTensorShape().getDimList().stream()
                .map(d -> d.getSize()).toList());
            long variables = meta.getGraphDef().getNodeList().stream().map(NodeDef::getOp).filter("VariableV2"::equals).count();
            assertEquals(expectedVariables, variables, "only the network's parameters, no optimizer state");

            for (JsonNode sample : samples.path("samples")) {
                float[] pixels = new float[784];
                for (int p = 0; p < 784; p++) {
                    pixels[p] = sample.path("image").get(p).floatValue();
                    assertEquals(sample.path("pixels").get(p).asInt() / 255f, pixels[p], "image = pixels / 255");
                }
                assertEquals(data.test().label(sample.path("testIndex").asInt()), sample.path("label").asInt());
                try (TFloat32 input = TFloat32.tensorOf(Shape.of(1, 28, 28), DataBuffers.of(pixels, true, false));
                    Result result = bundle.function("serving_default").call(Map.of("images", input))) {
                    TFloat32 output = (TFloat32) result.get("probabilities").orElseThrow();
                    assertEquals(Shape.of(1, 10), output.shape());
                    for (int c = 0; c < 10; c++) {
                        assertEquals(sample.path("probabilities").get(c).floatValue(), output.getFloat(0, c), 1e-5f);
                    }
                }
            }
        }
    }
}
