package dev.tffashion.pipeline.contracts;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.core.type.TypeReference;

import dev.tffashion.pipeline.AnnotatedValue;
import dev.tffashion.pipeline.Json;
import dev.tffashion.pipeline.MalformedValueException;
import dev.tffashion.pipeline.graph.ValueType;
import dev.tffashion.pipeline.store.ContentRef;
import dev.tffashion.pipeline.store.Contents;

/**
 * The {@code learn.model} value, written by learn and read by serve-manager (and shown by file-drop): a trained SavedModel as one
 * tar in the content store, made from a dropped recipe or script (lineage input {@value #INPUT}), with its evaluation and serving
 * contract as annotations. Inside the SavedModel, {@value #EVALUATION_SAMPLES} holds test images with the probabilities the
 * trained model gave them (serve-manager checks that the served model answers the same) and {@value #PREPROCESSING} the input
 * contract.
 *
 * @param annotations every annotation, the keys below among them; structured ones are JSON strings
 */
public record ModelValue(String id, String pipeline, String sourceId, ContentRef content, Map<String, String> annotations,
        Instant createdAt) {

    /** The producing task, its output and its lineage input, as in the pipeline graph. */
    public static final String TASK = "learn";
    public static final String OUTPUT = "model";
    public static final String INPUT = "script";
    /** Where a SavedModel carries its evaluation samples, relative to its folder. */
    public static final String EVALUATION_SAMPLES = "assets.extra/evaluation_samples.json";
    /** Where a SavedModel carries its preprocessing contract, relative to its folder. */
    public static final String PREPROCESSING = "assets.extra/preprocessing.json";
    /** Annotation: a file name for the archive. */
    public static final String FILE_NAME = ImageFileValue.FILE_NAME;
    /** Annotation: what was trained, {@code mlp}, {@code cnn} or {@code python}. */
    public static final String MODEL = "model";
    /** Annotation: the test accuracy, {@code 0.8765}. */
    public static final String TEST_ACCURACY = "testAccuracy";
    /** Annotation: how the model goes live, {@code immediate}, {@code shadow} or {@code canary} ({@link RolloutPolicy}). */
    public static final String ROLLOUT = "rollout";
    /** Annotation: the signature key, {@code serving_default}. */
    public static final String SIGNATURE = "signature";
    /** Annotation: the signature's input tensor name. */
    public static final String INPUT_NAME = "inputName";
    /** Annotation: the signature's input shape as JSON, {@code [-1,28,28]}. */
    public static final String INPUT_SHAPE = "inputShape";
    /** Annotation: the signature's output tensor name. */
    public static final String OUTPUT_NAME = "outputName";
    /** Annotation: the path of {@link #EVALUATION_SAMPLES} in the archive. */
    public static final String EVALUATION_SAMPLES_ANNOTATION = "evaluationSamples";
    /** Annotation: the path of {@link #PREPROCESSING} in the archive. */
    public static final String PREPROCESSING_ANNOTATION = "preprocessing";
    /** Annotation: the format of the archive, {@value #FORMAT}. */
    public static final String MODEL_FORMAT = "modelFormat";
    /** The one model format. */
    public static final String FORMAT = "tensorflow-saved-model";

    private static final TypeReference<List<Long>> SHAPE = new TypeReference<>() {
    };

    /**
     * The signature of an exported model that tf-fashion feeds: its key, the float32 input that takes the images and the output
     * that gives the class probabilities.
     *
     * @param inputShape the input's shape, -1 for the batch dimension: {@code [-1,28,28]}, {@code [-1,784]} or {@code [-1,28,28,1]}
     * @param methodName the signature's method, or null when unknown
     */
    public record ServingSignature(String key, String methodName, String inputName, List<Long> inputShape, String outputName) {

        public ServingSignature {
            inputShape = inputShape == null ? null : List.copyOf(inputShape);
        }
    }

    public ModelValue {
        if (id == null || pipeline == null || sourceId == null || content == null) {
            throw new IllegalArgumentException("a model value needs its id, pipeline, source and content");
        }
        annotations = annotations == null ? Map.of() : Map.copyOf(new LinkedHashMap<>(annotations));
        createdAt = createdAt == null ? Instant.now() : createdAt;
    }

    /** The annotations that state a model's serving contract and where its assets are. */
    public static Map<String, String> servingAnnotations(ServingSignature signature) {
        Map<String, String> a = new LinkedHashMap<>();
        a.put(MODEL_FORMAT, FORMAT);
        a.put(SIGNATURE, signature.key());
        a.put(INPUT_NAME, signature.inputName());
        a.put(INPUT_SHAPE, Json.toString(signature.inputShape()));
        a.put(OUTPUT_NAME, signature.outputName());
        a.put(PREPROCESSING_ANNOTATION, PREPROCESSING);
        a.put(EVALUATION_SAMPLES_ANNOTATION, EVALUATION_SAMPLES);
        return a;
    }

    /** The annotated value. */
    public AnnotatedValue toValue() {
        return AnnotatedValue.builder().id(id).pipeline(pipeline).task(TASK).output(OUTPUT).type(ValueType.MODEL_FILE.wireName())
            .content(content).sourceInput(INPUT, sourceId).createdAt(createdAt).annotations(annotations).build();
    }

    /**
     * Reads a model value (the archive stays where it is).
     *
     * @throws MalformedValueException when it is not a modelFile value made from a script
     */
    public static ModelValue from(AnnotatedValue value) {
        String what = "model value " + value.id();
        if (!ValueType.MODEL_FILE.wireName().equals(value.type())) {
            throw new MalformedValueException(what + " has type '" + value.type() + "', expected '"
                + ValueType.MODEL_FILE.wireName() + "' on the learn.model topic");
        }
        if (!Contents.TAR.equals(value.mediaType())) {
            throw new MalformedValueException(what + " has content of type " + value.mediaType() + "; a model is a SavedModel "
                + "folder as one " + Contents.TAR + " archive");
        }
        List<String> sources = value.sourceIds(INPUT);
        if (sources.isEmpty()) {
            throw new MalformedValueException(what + ": its lineage names no '" + INPUT + "' it was trained from");
        }
        return new ModelValue(value.id(), value.pipeline(), sources.get(0), ContentRef.of(value), value.annotations(),
            value.createdAt());
    }

    /** The test accuracy learn measured, or null. */
    public String testAccuracy() {
        return annotations.get(TEST_ACCURACY);
    }

    /**
     * The rollout policy the recipe asked for, or empty when it names none (serve-manager's configured policy applies).
     *
     * @throws MalformedValueException when the annotation is not a policy
     */
    public java.util.Optional<RolloutPolicy> rollout() {
        String policy = annotations.get(ROLLOUT);
        if (policy == null || policy.isBlank()) {
            return java.util.Optional.empty();
        }
        try {
            return java.util.Optional.of(RolloutPolicy.parse(policy));
        } catch (IllegalArgumentException e) {
            throw new MalformedValueException("model value " + id + ": annotation " + ROLLOUT + ": " + e.getMessage(), e);
        }
    }

    /** The serving signature the annotations state, or null when they state none (a model from elsewhere). */
    public ServingSignature signature() {
        String key = annotations.get(SIGNATURE);
        if (key == null) {
            return null;
        }
        String shape = annotations.get(INPUT_SHAPE);
        List<Long> dims;
        try {
            dims = shape == null ? null : Json.mapper().readValue(shape, SHAPE);
        } catch (java.io.IOException e) {
            throw new MalformedValueException("model value " + id + ": annotation " + INPUT_SHAPE + " '" + shape
                + "' is not a JSON list of dimensions", e);
        }
        return new ServingSignature(key, null, annotations.get(INPUT_NAME), dims, annotations.get(OUTPUT_NAME));
    }
}
