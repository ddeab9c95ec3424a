package dev.tffashion.pipeline.contracts;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.annotation.JsonInclude;

import dev.tffashion.pipeline.AnnotatedValue;
import dev.tffashion.pipeline.Json;
import dev.tffashion.pipeline.MalformedValueException;
import dev.tffashion.pipeline.ValueIds;
import dev.tffashion.pipeline.graph.ValueType;
import dev.tffashion.pipeline.store.ContentStore;
import dev.tffashion.pipeline.store.ContentStoreException;
import dev.tffashion.pipeline.store.Contents;

/**
 * The {@code predict.prediction} value, written by predict and read by file-drop: the class a served model gave one tensor. Its
 * lineage names the tensor, the dropped image and the endpoint (the model version); the id is derived from the tensor and the model
 * version, so a replay yields the same id. The class, score and model are annotations (readable without the content); the ten
 * probabilities are in the JSON content only. The preview and file name stay on the tensor: readers follow the lineage.
 *
 * @param imageId the dropped image, or null when the tensor names none
 */
public record PredictionValue(String id, String pipeline, String tensorId, String imageId, String endpointId, Content content,
        Instant createdAt) {

    /** The producing task, its output and its lineage inputs, as in the pipeline graph. */
    public static final String TASK = "predict";
    public static final String OUTPUT = "prediction";
    public static final String TENSOR_INPUT = "tensor";
    public static final String IMAGE_INPUT = "image";
    public static final String ENDPOINT_INPUT = "endpoint";
    /** Annotation: the predicted label, 0..9. */
    public static final String LABEL = "label";
    /** Annotation: the predicted class name. */
    public static final String CLASS_NAME = "className";
    /** Annotation: the predicted class's probability. */
    public static final String SCORE = "score";
    /** Annotation: the name of the model that answered. */
    public static final String MODEL_NAME = "modelName";
    /** Annotation: the version that answered. */
    public static final String MODEL_VERSION = "modelVersion";
    /** Annotation: the signature that was called. */
    public static final String SIGNATURE_NAME = "signatureName";
    /** Annotation, present when the model answered logits and the probabilities are their softmax. */
    public static final String SCORES = "scores";

    /** One class and its probability. */
    public record ClassProbability(int label, String className, float probability) {
    }

    /** The model that answered. */
    public record Model(String name, long version, String signature) {
    }

    /** The JSON content of a prediction value. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Content(int label, String className, float score, List<ClassProbability> probabilities, boolean fromLogits,
            Model model) {

        public Content {
            probabilities = probabilities == null ? List.of() : List.copyOf(probabilities);
            if (model == null) {
                throw new IllegalArgumentException("a prediction names the model that answered");
            }
        }
    }

    public PredictionValue {
        if (id == null || pipeline == null || tensorId == null || endpointId == null || content == null) {
            throw new IllegalArgumentException("a prediction needs its id, pipeline, tensor, endpoint and content");
        }
        createdAt = createdAt == null ? Instant.now() : createdAt;
    }

    /** A new prediction of a tensor by a model version. */
    public static PredictionValue of(String pipeline, String tensorId, String imageId, String endpointId, Content content) {
        return new PredictionValue(idOf(tensorId, content.model().name(), content.model().version()), pipeline, tensorId, imageId,
            endpointId, content, Instant.now());
    }

    /**
     * The id of the prediction of a tensor by a model version: {@code ValueIds.derived("predict", "prediction", tensorId,
     * "model:<name>:<version>")}.
     */
    public static String idOf(String tensorId, String modelName, long version) {
        return ValueIds.derived(TASK, OUTPUT, tensorId, "model:" + modelName + ":" + version);
    }

    /** The annotations of the value: class, score and model, never the probabilities (they are in the content). */
    public Map<String, String> annotations() {
        Map<String, String> a = new LinkedHashMap<>();
        a.put(LABEL, Integer.toString(content.label()));
        a.put(CLASS_NAME, content.className());
        a.put(SCORE, Float.toString(content.score()));
        a.put(MODEL_NAME, content.model().name());
        a.put(MODEL_VERSION, Long.toString(content.model().version()));
        a.put(SIGNATURE_NAME, content.model().signature());
        if (content.fromLogits()) {
            a.put(SCORES, "softmax of the model's logits");
        }
        return a;
    }

    /** The annotated value, its content inline (or in the store if ever large). */
    public AnnotatedValue toValue(ContentStore store) {
        AnnotatedValue.Builder value = AnnotatedValue.builder().id(id).pipeline(pipeline).task(TASK).output(OUTPUT)
            .type(ValueType.PREDICTION.wireName()).content(Contents.store(store, Json.toBytes(content), "application/json"))
            .createdAt(createdAt).sourceInput(TENSOR_INPUT, tensorId);
        if (imageId != null) {
            value.sourceInput(IMAGE_INPUT, imageId);
        }
        return value.sourceInput(ENDPOINT_INPUT, endpointId).annotations(annotations()).build();
    }

    /**
     * Reads a prediction value and its content.
     *
     * @throws MalformedValueException saying what is wrong
     */
    public static PredictionValue from(AnnotatedValue value, ContentStore store) {
        String what = "prediction value " + value.id();
        if (!ValueType.PREDICTION.wireName().equals(value.type())) {
            throw new MalformedValueException(what + " has type '" + value.type() + "', expected '"
                + ValueType.PREDICTION.wireName() + "'");
        }
        Content content;
        try {
            content = Json.fromBytes(Contents.read(store, value), Content.class);
        } catch (ContentStoreException | MalformedValueException | IllegalArgumentException e) {
            throw new MalformedValueException(what + ": its content is not a prediction (" + e.getMessage() + ")", e);
        }
        String tensor = first(value, TENSOR_INPUT);
        String endpoint = first(value, ENDPOINT_INPUT);
        if (tensor == null || endpoint == null) {
            throw new MalformedValueException(what + ": its lineage must name the tensor and the endpoint, it has "
                + value.sourceInputs());
        }
        return new PredictionValue(value.id(), value.pipeline(), tensor, first(value, IMAGE_INPUT), endpoint, content,
            value.createdAt());
    }

    private static String first(AnnotatedValue value, String input) {
        List<String> ids = value.sourceIds(input);
        return ids.isEmpty() ? null : ids.get(0);
    }
}
