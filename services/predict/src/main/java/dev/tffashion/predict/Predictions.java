package dev.tffashion.predict;

import java.util.ArrayList;
import java.util.List;

import dev.tffashion.pipeline.AnnotatedValue;
import dev.tffashion.pipeline.contracts.PredictionValue;
import dev.tffashion.pipeline.store.ContentStore;
import dev.tffashion.tfserving.client.ServingSignature;

/**
 * Builds the {@code predict.prediction} values through their contract {@link PredictionValue}: id derived from the tensor and the
 * model version (a replay yields the same id), lineage to the tensor, the dropped image and the endpoint, the class, score and model
 * as annotations and the ten probabilities once, in the JSON content. Nothing is copied from the tensor (its preview and file name
 * are read through the lineage).
 */
public final class Predictions {

    /** This task's name in the pipeline graph. */
    public static final String TASK = PredictionValue.TASK;
    /** This task's output in the pipeline graph. */
    public static final String OUTPUT = PredictionValue.OUTPUT;
    /** Lineage input naming the tensor. */
    public static final String TENSOR_INPUT = PredictionValue.TENSOR_INPUT;
    /** Lineage input naming the endpoint (the served model). */
    public static final String ENDPOINT_INPUT = PredictionValue.ENDPOINT_INPUT;

    private Predictions() {
    }

    /** The id of the prediction of a tensor by a model version, see {@link PredictionValue#idOf}. */
    public static String id(String tensorId, String modelName, long version) {
        return PredictionValue.idOf(tensorId, modelName, version);
    }

    /** The prediction of one tensor. */
    public static PredictionValue prediction(String pipeline, TensorInput input, Endpoint endpoint, ServingSignature model,
            Classification result) {
        List<PredictionValue.ClassProbability> probabilities = new ArrayList<>(result.probabilities().length);
        for (int i = 0; i < result.probabilities().length; i++) {
            probabilities.add(new PredictionValue.ClassProbability(i, Classification.CLASS_NAMES.get(i), result.probabilities()[i]));
        }
        PredictionValue.Content content = new PredictionValue.Content(result.label(), result.className(), result.score(),
            probabilities, result.fromLogits(), new PredictionValue.Model(model.modelName(), model.version(), model.signatureName()));
        return PredictionValue.of(pipeline, input.tensorId(), input.tensor().imageId(), endpoint.valueId(), content);
    }

    /** The prediction value of one tensor. */
    public static AnnotatedValue value(String pipeline, TensorInput input, Endpoint endpoint, ServingSignature model,
            Classification result, ContentStore store) {
        return prediction(pipeline, input, endpoint, model, result).toValue(store);
    }
}
