package dev.tffashion.learn;

import dev.tffashion.fashionmnist.FashionMnist;
import dev.tffashion.pipeline.Json;
import dev.tffashion.pipeline.contracts.ModelValue;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The annotations of a {@code learn.model} value: what was trained from what, its evaluation (test accuracy, per-class
 * accuracy, confusion matrix, training seconds, loss/accuracy history), the dataset's checksums and the serving contract.
 * Structured values are JSON strings (annotations are a string map). The keys serve-manager and file-drop read, the serving
 * contract and the asset paths belong to the model contract {@link ModelValue}.
 */
public final class ModelAnnotations {

    /**
     * Accuracy (4 decimals) on test images rendered as product photos and preprocessed as image-convert does
     * ({@link PhotoAccuracy}); {@code photoAccuracyForms} has it per form.
     */
    public static final String PHOTO_ACCURACY = "photoAccuracy";
    /** The ten most confident mistakes on the test set, JSON {@code [{testIndex,label,className,predicted,...,image}]}. */
    public static final String MISTAKES = "mistakes";

    private ModelAnnotations() {
    }

    /**
     * @param sourceFileName the dropped file's name
     * @param sourceId       the dropped value's id (the recipe or script)
     * @param trainer        {@code tensorflow-java}, {@code python-process} or {@code python-kubernetes}
     */
    public static Map<String, String> of(ExportedModel model, String modelId, String sourceId, String sourceFileName, ScriptKind kind,
        String trainer) {
        Evaluation evaluation = model.evaluation();
        Map<String, String> a = new LinkedHashMap<>();
        a.put(ModelValue.FILE_NAME, "fashion-" + model.model() + "-" + modelId.substring(0, Math.min(8, modelId.length())) + ".tar");
        a.put(ModelValue.MODEL, model.model());
        a.put("recipeId", sourceId);
        a.put("recipeFileName", sourceFileName);
        a.put("scriptKind", kind.name().toLowerCase(Locale.ROOT));
        a.put("trainer", trainer);
        Recipe recipe = model.recipe();
        if (recipe != null) {
            a.put("recipe", recipe.toYaml());
            a.put("epochs", Integer.toString(recipe.epochs()));
            a.put("batchSize", Integer.toString(recipe.batchSize()));
            a.put("learningRate", Double.toString(recipe.learningRate()));
            a.put("seed", Long.toString(recipe.seed()));
            a.put("width", Integer.toString(recipe.width()));
            a.put("batchNorm", Boolean.toString(recipe.batchNorm()));
            if (recipe.rollout() != null) {
                a.put(ModelValue.ROLLOUT, recipe.rollout().wireName());
            }
        }
        a.put(ModelValue.TEST_ACCURACY, decimal(evaluation.testAccuracy()));
        a.put(PHOTO_ACCURACY, decimal(model.photos().accuracy()));
        a.put("photoAccuracyForms", Json.toString(model.photos()));
        a.put(MISTAKES, Json.toString(model.mistakes()));
        Map<String, Double> perClass = new LinkedHashMap<>();
        for (int c = 0; c < FashionMnist.CLASSES; c++) {
            perClass.put(FashionMnist.className(c), round(evaluation.perClassAccuracy()[c]));
        }
        a.put("perClassAccuracy", Json.toString(perClass));
        a.put("confusionMatrix", Json.toString(evaluation.confusionMatrix()));
        a.put("trainingSeconds", String.format(Locale.ROOT, "%.1f", evaluation.trainingSeconds()));
        a.put("trainExamples", Integer.toString(evaluation.trainExamples()));
        a.put("testExamples", Integer.toString(evaluation.testExamples()));
        a.put("history", history(model.history()));
        a.put("datasetSource", model.datasetSource());
        a.put("datasetMd5", Json.toString(model.datasetChecksums()));
        a.put("tensorflowVersion", model.tensorflowVersion());
        a.putAll(ModelValue.servingAnnotations(model.signature()));
        return a;
    }

    /** The history as JSON: {@code [{"epoch":1,"loss":0.48,"accuracy":0.83,"seconds":12.3}, ...]}; unknown values are null. */
    public static String history(List<EpochSummary> history) {
        List<Map<String, Object>> points = new ArrayList<>();
        for (EpochSummary epoch : history) {
            Map<String, Object> point = new LinkedHashMap<>();
            point.put("epoch", epoch.epoch());
            point.put("loss", finite(epoch.loss()));
            point.put("accuracy", finite(epoch.accuracy()));
            point.put("seconds", finite(Math.round(epoch.seconds() * 10) / 10.0));
            if (epoch.validationAccuracy() != null) {
                point.put("validationAccuracy", finite(epoch.validationAccuracy()));
            }
            points.add(point);
        }
        return Json.toString(points);
    }

    private static Double finite(double value) {
        return Double.isFinite(value) ? round(value) : null;
    }

    private static double round(double value) {
        return Math.round(value * 10000) / 10000.0;
    }

    private static String decimal(double value) {
        return String.format(Locale.ROOT, "%.4f", value);
    }
}
