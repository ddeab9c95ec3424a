package dev.tffashion.learn.training;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.tffashion.fashionmnist.FashionMnist;
import dev.tffashion.fashionmnist.Split;
import dev.tffashion.learn.Evaluation;
import dev.tffashion.learn.EvaluationSample;
import dev.tffashion.learn.ExportedModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jboss.logging.Logger;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.types.TFloat32;

/**
 * Exports a trained network as a slim SavedModel and describes it: {@code assets.extra/preprocessing.json} (the input
 * contract), {@code assets.extra/evaluation_samples.json} (20 test images and the probabilities the exported model,
 * loaded back, gives them) and {@code assets.extra/evaluation.json} (accuracy, per-class accuracy, confusion matrix,
 * recipe, dataset checksums).
 */
public final class ModelExporter {

    /** Folder of the SavedModel that holds the descriptions. */
    public static final String ASSETS_EXTRA = "assets.extra";
    public static final String PREPROCESSING_JSON = "preprocessing.json";
    public static final String EVALUATION_SAMPLES_JSON = "evaluation_samples.json";
    public static final String EVALUATION_JSON = "evaluation.json";
    /** Evaluation samples per class. */
    static final int SAMPLES_PER_CLASS = 2;

    private static final Logger LOG = Logger.getLogger(ModelExporter.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private ModelExporter() {
    }

    /** Evaluates {@code run}'s network on the test split and exports it into {@code directory} (which must not exist or be empty). */
    public static ExportedModel export(TrainingRun run, FashionMnist data, Path directory) throws IOException {
        Evaluation evaluation;
        try (InferenceModel model = InferenceModel.of(run.parameters())) {
            evaluation = model.evaluate(data.test(), run.trainingSeconds(), run.trainExamples());
            model.export(directory);
        }
        List<EvaluationSample> samples = samplesFromSavedModel(directory, data.test());
        String version = TensorFlowRuntime.load();
        ExportedModel exported = new ExportedModel(directory, run.recipe(), evaluation, samples, data.files().checksums(),
            data.files().source(), version);
        Path assets = Files.createDirectories(directory.resolve(ASSETS_EXTRA));
        Files.writeString(assets.resolve(PREPROCESSING_JSON), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(preprocessing()));
        Files.writeString(assets.resolve(EVALUATION_SAMPLES_JSON), JSON.writeValueAsString(samplesDocument(samples)));
        Files.writeString(assets.resolve(EVALUATION_JSON),
            JSON.copy().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(evaluationDocument(exported, run)));
        LOG.infof("exported %s model to %s: test accuracy %.4f", run.recipe().model().id(), directory, evaluation.testAccuracy());
        return exported;
    }

    /** The indices of the evaluation samples: the first {@value #SAMPLES_PER_CLASS} test images of each class. */
    static List<Integer> sampleIndices(Split test) {
        int[] taken = new int[FashionMnist.CLASSES];
        List<Integer> indices = new ArrayList<>();
        for (int i = 0; i < test.count() && indices.size() < FashionMnist.CLASSES * SAMPLES_PER_CLASS; i++) {
            if (taken[test.label(i)]++ < SAMPLES_PER_CLASS) {
                indices.add(i);
            }
        }
        return indices;
    }

    private static List<EvaluationSample> samplesFromSavedModel(Path directory, Split test) {
        List<Integer> indices = sampleIndices(test);
        float[] pixels = new float[indices.size() * FashionMnist.PIXELS];
        for (int i = 0; i < indices.size(); i++) {
            test.copyImage(indices.get(i), pixels, i * FashionMnist.PIXELS);
        }
        float[] probabilities = new float[indices.size() * FashionMnist.CLASSES];
        try (SavedModelBundle bundle = SavedModelBundle.load(directory.toString(), InferenceModel.TAG);
            TFloat32 input = TFloat32.tensorOf(Shape.of(indices.size(), FashionMnist.IMAGE_SIZE, FashionMnist.IMAGE_SIZE),
                DataBuffers.of(pixels, true, false));
            Result result = bundle.function(InferenceModel.SIGNATURE).call(Map.of(InferenceModel.INPUT, input))) {
            TFloat32 output = (TFloat32) result.get(InferenceModel.OUTPUT)
                .orElseThrow(() -> new IllegalStateException("the exported model has no output " + InferenceModel.OUTPUT));
            output.copyTo(DataBuffers.of(probabilities, false, false));
        }
        List<EvaluationSample> samples = new ArrayList<>();
        for (int i = 0; i < indices.size(); i++) {
            int index = indices.get(i);
            byte[] raw = test.rawImage(index);
            int[] ints = new int[raw.length];
            for (int p = 0; p < raw.length; p++) {
                ints[p] = raw[p] & 0xff;
            }
            float[] probs = new float[FashionMnist.CLASSES];
            System.arraycopy(probabilities, i * FashionMnist.CLASSES, probs, 0, FashionMnist.CLASSES);
            samples.add(new EvaluationSample(index, test.label(index), FashionMnist.className(test.label(index)), ints, probs,
                InferenceModel.argMax(probs, 0, FashionMnist.CLASSES)));
        }
        return samples;
    }

    /** The preprocessing contract every client of the model follows. */
    public static Map<String, Object> preprocessing() {
        Map<String, Object> contract = new LinkedHashMap<>();
        contract.put("format", "tf-fashion/preprocessing/v1");
        contract.put("signature", Map.of("key", InferenceModel.SIGNATURE, "methodName", InferenceModel.METHOD_NAME,
            "tag", InferenceModel.TAG));
        contract.put("input", ordered("name", InferenceModel.INPUT, "dtype", "float32", "shape", List.of(-1, 28, 28)));
        contract.put("output", ordered("name", InferenceModel.OUTPUT, "dtype", "float32", "shape", List.of(-1, 10),
            "meaning", "softmax class probabilities, index = label"));
        contract.put("image", ordered("width", 28, "height", 28, "channels", 1, "colorSpace", "grayscale",
            "polarity", "light-on-dark", "background", "dark (0.0)", "layout", "row-major [row][column]"));
        contract.put("scale", ordered("from", List.of(0, 255), "to", List.of(0.0, 1.0), "formula", "value = pixel / 255.0"));
        contract.put("steps", List.of(
            "decode (PNG, JPEG, GIF, BMP)",
            "flatten alpha onto the background",
            "convert to grayscale",
            "invert when the background is light (the model knows light garments on dark)",
            "crop to the garment",
            "scale the longest side to 28 pixels, keeping the aspect ratio",
            "centre on a 28x28 dark canvas",
            "scale to [0,1]"));
        contract.put("classes", FashionMnist.CLASS_NAMES);
        return contract;
    }

    private static Map<String, Object> samplesDocument(List<EvaluationSample> samples) {
        Map<String, Object> document = new LinkedHashMap<>();
        document.put("signature", InferenceModel.SIGNATURE);
        document.put("input", InferenceModel.INPUT);
        document.put("output", InferenceModel.OUTPUT);
        document.put("inputFormula", "images[0][row][column] = pixels[row * 28 + column] / 255.0 (float32)");
        document.put("tolerance", 1e-5);
        document.put("samples", samples);
        return document;
    }

    private static Map<String, Object> evaluationDocument(ExportedModel exported, TrainingRun run) {
        Evaluation evaluation = exported.evaluation();
        Map<String, Object> perClass = new LinkedHashMap<>();
        for (int c = 0; c < FashionMnist.CLASSES; c++) {
            perClass.put(FashionMnist.className(c), evaluation.perClassAccuracy()[c]);
        }
        Map<String, Object> document = new LinkedHashMap<>();
        document.put("model", exported.recipe().model().id());
        document.put("recipe", exported.recipe().toYaml());
        document.put("testAccuracy", evaluation.testAccuracy());
        document.put("perClassAccuracy", perClass);
        document.put("confusionMatrix", evaluation.confusionMatrix());
        document.put("confusionMatrixLayout", "[actual][predicted], index = label");
        document.put("trainingSeconds", evaluation.trainingSeconds());
        document.put("trainExamples", evaluation.trainExamples());
        document.put("testExamples", evaluation.testExamples());
        document.put("steps", run.steps());
        document.put("finalTrainingLoss", run.finalLoss());
        document.put("finalTrainingAccuracy", run.finalAccuracy());
        document.put("parameters", run.parameters().count());
        document.put("dataset", ordered("name", "fashion-mnist", "source", exported.datasetSource(),
            "md5", exported.datasetChecksums()));
        document.put("tensorflowVersion", exported.tensorflowVersion());
        return document;
    }

    private static Map<String, Object> ordered(Object... keysAndValues) {
        Map<String, Object> map = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            map.put((String) keysAndValues[i], keysAndValues[i + 1]);
        }
        return map;
    }
}
