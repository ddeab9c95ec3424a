package dev.tffashion.predict;

import java.io.IOException;
import java.util.Locale;

import com.fasterxml.jackson.databind.JsonNode;

import dev.tffashion.pipeline.AnnotatedValue;
import dev.tffashion.pipeline.Json;
import dev.tffashion.pipeline.graph.ValueType;
import dev.tffashion.pipeline.store.ContentStore;
import dev.tffashion.pipeline.store.ContentStoreException;
import dev.tffashion.pipeline.store.Contents;

/**
 * Where the served model answers, read from a {@code serve.endpoint} value: TF Serving's gRPC target ({@code host:port}), the
 * model name, the version (null: whatever TF Serving serves as latest) and the signature.
 *
 * @param valueId the endpoint value's id, for the predictions' lineage
 * @param inputName the signature input serve checked, a hint when the signature has several (null: predict chooses)
 * @param outputName the signature output serve checked, a hint when the signature has several (null: predict chooses)
 */
public record Endpoint(String valueId, String grpcTarget, String modelName, Long modelVersion, String signatureName, String inputName,
        String outputName) {

    /** Annotation (or content field) with TF Serving's gRPC target, {@code host:port}. */
    public static final String GRPC_TARGET = "grpcTarget";
    /** Annotation (or content field) with the served model's name. */
    public static final String MODEL_NAME = "modelName";
    /** Annotation (or content field) with the served model version (a whole number). */
    public static final String MODEL_VERSION = "modelVersion";
    /** Annotation (or content field) with the signature to call; {@value #DEFAULT_SIGNATURE} when absent. */
    public static final String SIGNATURE_NAME = "signatureName";
    /** Annotation (or content field) naming the signature's input, optional. */
    public static final String INPUT_NAME = "inputName";
    /** Annotation (or content field) naming the signature's output, optional. */
    public static final String OUTPUT_NAME = "outputName";
    /** TF Serving's default signature. */
    public static final String DEFAULT_SIGNATURE = "serving_default";

    public Endpoint {
        require(grpcTarget, GRPC_TARGET, valueId);
        require(modelName, MODEL_NAME, valueId);
        if (modelVersion != null && modelVersion < 0) {
            throw new IllegalArgumentException("endpoint " + valueId + ": " + MODEL_VERSION + " must not be negative, got " + modelVersion);
        }
        signatureName = signatureName == null || signatureName.isBlank() ? DEFAULT_SIGNATURE : signatureName;
        inputName = inputName == null || inputName.isBlank() ? null : inputName;
        outputName = outputName == null || outputName.isBlank() ? null : outputName;
    }

    /** An endpoint that leaves the choice of input and output to predict. */
    public Endpoint(String valueId, String grpcTarget, String modelName, Long modelVersion, String signatureName) {
        this(valueId, grpcTarget, modelName, modelVersion, signatureName, null, null);
    }

    /**
     * Reads an endpoint value: annotations first, then the same fields of its JSON content (also accepted there: {@code version},
     * {@code signature}).
     *
     * @throws IllegalArgumentException when the value is not a usable endpoint, with what is missing
     */
    public static Endpoint of(AnnotatedValue value, ContentStore store) {
        if (!ValueType.ENDPOINT.wireName().equals(value.type())) {
            throw new IllegalArgumentException("value " + value.id() + " has type '" + value.type() + "', expected '"
                + ValueType.ENDPOINT.wireName() + "'");
        }
        JsonNode content = content(value, store);
        String target = field(value, content, GRPC_TARGET, null);
        String name = field(value, content, MODEL_NAME, null);
        String version = field(value, content, MODEL_VERSION, "version");
        String signature = field(value, content, SIGNATURE_NAME, "signature");
        return new Endpoint(value.id(), target, name, version(value.id(), version), signature, field(value, content, INPUT_NAME, null),
            field(value, content, OUTPUT_NAME, null));
    }

    /** For logs and status: {@code fashion v3 (serving_default) at host:port}. */
    public String describe() {
        return modelName + (modelVersion == null ? " (latest)" : " v" + modelVersion) + " at " + grpcTarget;
    }

    private static Long version(String id, String text) {
        if (text == null || text.isBlank()) {
            return null;
        }
        try {
            return Long.parseLong(text.strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("endpoint " + id + ": " + MODEL_VERSION + " '" + text + "' is not a whole number", e);
        }
    }

    private static String field(AnnotatedValue value, JsonNode content, String name, String alias) {
        String annotated = value.annotation(name);
        if (annotated != null && !annotated.isBlank()) {
            return annotated.strip();
        }
        for (String key : alias == null ? new String[] {name} : new String[] {name, alias}) {
            JsonNode node = content == null ? null : content.get(key);
            if (node != null && !node.isNull() && node.isValueNode()) {
                return node.asText();
            }
        }
        return null;
    }

    private static JsonNode content(AnnotatedValue value, ContentStore store) {
        if (value.mediaType() == null || !value.mediaType().toLowerCase(Locale.ROOT).startsWith("application/json")) {
            return null;
        }
        try {
            JsonNode node = Json.mapper().readTree(Contents.read(store, value));
            return node != null && node.isObject() ? node : null;
        } catch (IOException | ContentStoreException e) {
            throw new IllegalArgumentException("endpoint " + value.id() + ": cannot read its JSON content: " + e.getMessage(), e);
        }
    }

    private static void require(String text, String field, String id) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("endpoint " + id + " has no " + field + " (neither as annotation nor in its JSON content)");
        }
    }
}
