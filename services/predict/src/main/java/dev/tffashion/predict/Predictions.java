package dev.tffashion.predict;

import java.util.ArrayList;
import java.util.List;

import dev.tffashion.pipeline.AnnotatedValue;
import dev.tffashion.pipeline.Json;
import dev.tffashion.pipeline.ValueIds;
import dev.tffashion.pipeline.graph.ValueType;
import dev.tffashion.pipeline.store.ContentStore;
import dev.tffashion.pipeline.store.Contents;

/**
 * Builds the {@code predict.prediction} values: id derived from the tensor and the model version (a replay yields the same id),
 * lineage to the tensor, the dropped image and the endpoint, the class and its probabilities as annotations and as JSON content.
 */
public final class Predictions {

    /** This task's name in the pipeline graph. */
    public static final String TASK = "predict";
    /** This task's output in the pipeline graph. */
    public static final String OUTPUT = "prediction";
    /** Lineage input naming the tensor. */
    public static final String TENSOR_INPUT = "tensor";
    /** Lineage input naming the endpoint (the served model). */
    public static final String ENDPOINT_INPUT = "endpoint";
    /** Tensor annotations carried over to the prediction, for the UI. */
    public static final List<String> CARRIED_ANNOTATIONS = List.of("previewPng", "fileName");

    /** One class and its probability. */
    public record ClassProbability(int label, String className, float probability) {
    }

    /** The model that answered. */
    public record Model(String name, long version, String signature) {
    }

    /** The JSON content of a prediction value. */
    public record Content(int label, String className, float score, List<ClassProbability> probabilities, boolean fromLogits,
            Model model, String tensorId, List<String> imageIds) {
    }

    private Predictions() {
    }

    /**
     * The id of the prediction of a tensor by a model version: {@code ValueIds.derived("predict", "prediction", tensorId,
     * "model:<name>:<version>")}.
     */
    public static String id(String tensorId, String modelName, long version) {
        return ValueIds.derived(TASK, OUTPUT, tensorId, "model:" + modelName + ":" + version);
    }

    /** The prediction value of one tensor. */
    public static AnnotatedValue value(String pipeline, TensorInput input, Endpoint endpoint, ModelSignature model,
            Classification result, ContentStore store) {
        List<ClassProbability> probabilities = new ArrayList<>();
        for (int i = 0; i < result.probabilities().length; i++) {
            probabilities.add(new ClassProbability(i, Classification.CLASS_NAMES.get(i), result.probabilities()[i]));
        }
        Model served = new Model(model.modelName(), model.version(), model.signatureName());
        Content content = new Content(result.label(), result.className(), result.score(), probabilities, result.fromLogits(), served,
            input.tensorId(), input.imageIds());
        byte[] json = Json.toBytes(content);
        AnnotatedValue.Builder value = AnnotatedValue.builder()
            .id(id(input.tensorId(), model.modelName(), model.version()))
            .pipeline(pipeline)
            .task(TASK)
            .output(OUTPUT)
            .type(ValueType.PREDICTION.wireName())
            .content(Contents.store(store, json, "application/json"))
            .sourceInput(TENSOR_INPUT, input.tensorId());
        if (!input.imageIds().isEmpty()) {
            value.sourceInput(TensorInput.IMAGE_INPUT, input.imageIds().toArray(String[]::new));
        }
        value.sourceInput(ENDPOINT_INPUT, endpoint.valueId())
            .annotation("label", result.label())
            .annotation("className", result.className())
            .annotation("score", result.score())
            .annotation("probabilities", Json.toString(probabilities))
            .annotation("modelName", model.modelName())
            .annotation("modelVersion", model.version())
            .annotation("signatureName", model.signatureName());
        if (result.fromLogits()) {
            value.annotation("scores", "softmax of the model's logits");
        }
        for (String carried : CARRIED_ANNOTATIONS) {
            value.annotation(carried, input.value().annotation(carried));
        }
        return value.build();
    }

    /** The content of a prediction value, for tests and readers. */
    public static Content content(byte[] json) {
        return Json.fromBytes(json, Content.class);
    }
}
