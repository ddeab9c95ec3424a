package dev.tffashion.learn.training;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import dev.tffashion.fashionmnist.FashionMnist;
import dev.tffashion.fashionmnist.Split;
import dev.tffashion.learn.EpochSummary;
import dev.tffashion.learn.Evaluation;
import dev.tffashion.learn.EvaluationSample;
import dev.tffashion.learn.ExportedModel;
import dev.tffashion.pipeline.contracts.ModelValue.ServingSignature;
import dev.tffashion.tfservingapi.WarmupRecords;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jboss.logging.Logger;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.TensorProto;
import org.tensorflow.proto.TensorShapeProto;
import tensorflow.serving.Model.ModelSpec;
import tensorflow.serving.Predict.PredictRequest;
import tensorflow.serving.PredictionLogOuterClass.PredictLog;
import tensorflow.serving.PredictionLogOuterClass.PredictionLog;

/**
 * Exports trained networks as slim SavedModels and describes every model, whoever trained it, in {@code assets.extra/}:
 * {@code preprocessing.json} (the input contract), {@code evaluation_samples.json} (20 test images and the outputs the
 * exported model, loaded back, gives them) and {@code evaluation.json} (accuracy, per-class accuracy, confusion matrix,
 * history, recipe, dataset checksums), plus TF Serving's warm-up file {@code tf_serving_warmup_requests} (a Predict of the
 * first evaluation sample, replayed by the model server before the version serves).
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

    /** Exports {@code run}'s network into {@code directory} (absent or empty), evaluates the export and describes it. */
    public static ExportedModel export(TrainingRun run, FashionMnist data, Path directory) throws IOException {
        try (InferenceModel model = InferenceModel.of(run.parameters())) {
            model.export(directory);
        }
        SavedModelEvaluator.Evaluated result = SavedModelEvaluator.evaluate(directory, data.test(), run.trainingSeconds(),
            run.trainExamples());
        ExportedModel exported = new ExportedModel(directory, run.recipe().model().id(), run.recipe(), result.evaluation(),
            result.samples(), result.signature(), run.history(), data.files().checksums(), data.files().source(),
            TensorFlowRuntime.load(), result.photos(), result.mistakes());
        Map<String, Object> training = new LinkedHashMap<>();
        training.put("trainer", "tensorflow-java");
        training.put("steps", run.steps());
        training.put("finalTrainingLoss", run.finalLoss());
        training.put("finalTrainingAccuracy", run.finalAccuracy());
        training.put("parameters", run.parameters().count());
        training.put("bestEpoch", run.bestEpoch());
        describe(exported, training);
        return exported;
    }

    /**
     * Evaluates and describes a SavedModel that something else (a Python script) exported into {@code directory}.
     *
     * @throws dev.tffashion.learn.LearnException when the model does not load or does not fit tf-fashion's contract
     */
    public static ExportedModel describeForeign(Path directory, FashionMnist data, double trainingSeconds, List<EpochSummary> history,
        String trainer) throws IOException {
        SavedModelEvaluator.Evaluated result = SavedModelEvaluator.evaluate(directory, data.test(), trainingSeconds,
            data.train().count());
        ExportedModel exported = new ExportedModel(directory, "python", null, result.evaluation(), result.samples(), result.signature(),
            history, data.files().checksums(), data.files().source(), TensorFlowRuntime.load(), result.photos(), result.mistakes());
        describe(exported, Map.of("trainer", trainer));
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

    private static void describe(ExportedModel exported, Map<String, Object> training) throws IOException {
        Path assets = Files.createDirectories(exported.directory().resolve(ASSETS_EXTRA));
        Files.writeString(assets.resolve(PREPROCESSING_JSON),
            JSON.writerWithDefaultPrettyPrinter().writeValueAsString(preprocessing(exported.signature())));
        Files.writeString(assets.resolve(EVALUATION_SAMPLES_JSON), JSON.writeValueAsString(samplesDocument(exported)));
        Files.writeString(assets.resolve(EVALUATION_JSON),
            JSON.writerWithDefaultPrettyPrinter().writeValueAsString(evaluationDocument(exported, training)));
        WarmupRecords.write(exported.directory(), List.of(warmupRecord(exported)));
        LOG.infof("described %s model in %s: test accuracy %.4f, photo accuracy %.4f", exported.model(), exported.directory(),
            exported.evaluation().testAccuracy(), exported.photos().accuracy());
    }

    /**
     * The warm-up record: a Predict of the first evaluation sample (one picture, the signature's input shape with a batch
     * of 1, float32 as tensor_content as the pipeline sends it).
     */
    static PredictionLog warmupRecord(ExportedModel exported) {
        ServingSignature signature = exported.signature();
        float[] image = exported.samples().get(0).image();
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
        long elements = 1;
        for (Long dim : signature.inputShape()) {
            long size = dim < 0 ? 1 : dim;
            elements *= size;
            shape.addDim(TensorShapeProto.Dim.newBuilder().setSize(size));
        }
        if (elements != image.length) {
            throw new IllegalStateException("The input shape " + signature.inputShape() + " of " + exported.directory()
                + " does not hold one 28x28 picture");
        }
        ByteBuffer content = ByteBuffer.allocate(image.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        content.asFloatBuffer().put(image);
        PredictRequest request = PredictRequest.newBuilder()
            .setModelSpec(ModelSpec.newBuilder().setSignatureName(signature.key()))
            .putInputs(signature.inputName(), TensorProto.newBuilder().setDtype(DataType.DT_FLOAT).setTensorShape(shape)
                .setTensorContent(ByteString.copyFrom(content.array())).build())
            .build();
        return PredictionLog.newBuilder().setPredictLog(PredictLog.newBuilder().setRequest(request)).build();
    }

    /** The preprocessing contract every client of the model follows. */
    public static Map<String, Object> preprocessing(ServingSignature signature) {
        Map<String, Object> contract = new LinkedHashMap<>();
        contract.put("format", "tf-fashion/preprocessing/v1");
        contract.put("signature", ordered("key", signature.key(), "methodName", signature.methodName(), "tag", InferenceModel.TAG));
        contract.put("input", ordered("name", signature.inputName(), "dtype", "float32", "shape", signature.inputShape()));
        contract.put("output", ordered("name", signature.outputName(), "dtype", "float32", "shape", List.of(-1, 10),
            "meaning", "class scores (softmax probabilities for tf-fashion's models), index = label"));
        contract.put("image", ordered("width", 28, "height", 28, "channels", 1, "colorSpace", "grayscale",
            "polarity", "light-on-dark", "background", "dark (0.0)", "layout", "row-major [row][column]"));
        contract.put("scale", ordered("from", List.of(0, 255), "to", List.of(0.0, 1.0), "formula", "value = pixel / 255.0"));
        contract.put("steps", List.of(
            "decode (PNG, JPEG, GIF, BMP, WebP, TIFF)",
            "flatten alpha onto white (onto black for a light garment cut out on transparency)",
            "convert to grayscale",
            "invert when the garment is darker than its background (the model knows light garments on dark)",
            "crop to the garment",
            "turn a garment photographed askew (3 to 35 degrees) back upright, and crop it again",
            "scale the longest side to 28 pixels, keeping the aspect ratio",
            "centre on a 28x28 dark canvas",
            "scale to [0,1]"));
        contract.put("classes", FashionMnist.CLASS_NAMES);
        return contract;
    }

    private static Map<String, Object> samplesDocument(ExportedModel exported) {
        ServingSignature signature = exported.signature();
        Map<String, Object> document = new LinkedHashMap<>();
        document.put("signature", signature.key());
        document.put("input", signature.inputName());
        document.put("inputShape", signature.inputShape());
        document.put("output", signature.outputName());
        document.put("inputFormula", "image = the model's input, 784 float32 in [0,1], row-major 28x28; image[i] = pixels[i] / 255");
        document.put("tolerance", 1e-5);
        List<EvaluationSample> samples = exported.samples();
        document.put("samples", samples);
        return document;
    }

    private static Map<String, Object> evaluationDocument(ExportedModel exported, Map<String, Object> training) {
        Evaluation evaluation = exported.evaluation();
        Map<String, Object> document = new LinkedHashMap<>();
        document.put("model", exported.model());
        if (exported.recipe() != null) {
            document.put("recipe", exported.recipe().toYaml());
        }
        document.put("testAccuracy", evaluation.testAccuracy());
        document.put("perClassAccuracy", perClass(evaluation));
        document.put("photoAccuracy", exported.photos());
        document.put("mistakes", exported.mistakes());
        document.put("confusionMatrix", evaluation.confusionMatrix());
        document.put("confusionMatrixLayout", "[actual][predicted], index = label");
        document.put("trainingSeconds", evaluation.trainingSeconds());
        document.put("trainExamples", evaluation.trainExamples());
        document.put("testExamples", evaluation.testExamples());
        document.put("history", exported.history());
        document.putAll(training);
        document.put("dataset", ordered("name", "fashion-mnist", "source", exported.datasetSource(),
            "md5OfUncompressedFiles", exported.datasetChecksums()));
        document.put("tensorflowVersion", exported.tensorflowVersion());
        return document;
    }

    /** Per-class accuracy keyed by class name, in label order. */
    public static Map<String, Double> perClass(Evaluation evaluation) {
        Map<String, Double> perClass = new LinkedHashMap<>();
        for (int c = 0; c < FashionMnist.CLASSES; c++) {
            perClass.put(FashionMnist.className(c), evaluation.perClassAccuracy()[c]);
        }
        return perClass;
    }

    private static Map<String, Object> ordered(Object... keysAndValues) {
        Map<String, Object> map = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            map.put((String) keysAndValues[i], keysAndValues[i + 1]);
        }
        return map;
    }
}
