package dev.tffashion.pipeline.contracts;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

import com.fasterxml.jackson.annotation.JsonIgnore;
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
 * The {@code serve.endpoint} value, written by serve-manager when a model version is verified and served, read by predict (and
 * shown by file-drop): where TF Serving answers and which model, version and signature it serves. The content is this record as
 * JSON (what readers read); the annotations repeat the same facts for people and the UI.
 *
 * @param modelVersion  the served version; null only for an endpoint announced by hand that leaves the choice to TF Serving
 *                      (its latest)
 * @param restUrl       TF Serving's REST base URL ({@code http://host:port}), or null
 * @param inputName     the signature input serve checked, or null (predict chooses)
 * @param outputName    the signature output serve checked, or null (predict chooses)
 * @param modelValueId  the {@code learn.model} value served (lineage input {@value #INPUT})
 * @param testAccuracy  the model's test accuracy as learn reported it, or null
 * @param mode          how serve-manager runs TF Serving: embedded, external or kubernetes
 * @param rollout       the rollout under way ({@code shadow} or {@code canary}), or null when one version answers everything
 * @param challengerVersion the version on trial beside {@code modelVersion} (TF Serving label {@value #CANARY_LABEL}), or null
 * @param challengerModelValueId the {@code learn.model} value of the challenger, or null
 * @param canaryWeight  the share of pictures the challenger answers under {@code canary}, 0..1, or null
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record EndpointValue(String grpcTarget, String restUrl, String modelName, Long modelVersion, String signatureName,
        String inputName, String outputName, String modelValueId, String testAccuracy, String mode, String rollout,
        Long challengerVersion, String challengerModelValueId, Double canaryWeight) {

    /** The producing task, its output and its lineage input, as in the pipeline graph. */
    public static final String TASK = "serve";
    public static final String OUTPUT = "endpoint";
    public static final String INPUT = "model";
    /** Annotation: TF Serving's gRPC target, {@code host:port}. */
    public static final String GRPC_TARGET = "grpcTarget";
    /** Annotation: TF Serving's REST base URL. */
    public static final String REST_URL = "restUrl";
    /** Annotation: the served model's name. */
    public static final String MODEL_NAME = "modelName";
    /** Annotation: the served version, a whole number. */
    public static final String MODEL_VERSION = "modelVersion";
    /** Annotation: the signature that was checked. */
    public static final String SIGNATURE_NAME = "signatureName";
    /** Annotation: the signature's input tensor name. */
    public static final String INPUT_NAME = "inputName";
    /** Annotation: the signature's output tensor name. */
    public static final String OUTPUT_NAME = "outputName";
    /** Annotation: the model's test accuracy. */
    public static final String TEST_ACCURACY = ModelValue.TEST_ACCURACY;
    /** Annotation: the serving mode. */
    public static final String SERVING_MODE = "servingMode";
    /** Annotation: the rollout under way. */
    public static final String ROLLOUT = "rollout";
    /** Annotation: the challenger's version. */
    public static final String CHALLENGER_VERSION = "challengerVersion";
    /** Annotation: the canary's share of pictures. */
    public static final String CANARY_WEIGHT = "canaryWeight";
    /** TF Serving's version label of the live version. */
    public static final String STABLE_LABEL = "stable";
    /** TF Serving's version label of the challenger. */
    public static final String CANARY_LABEL = "canary";
    /** TF Serving's default signature. */
    public static final String DEFAULT_SIGNATURE = "serving_default";

    public EndpointValue {
        if (grpcTarget == null || grpcTarget.isBlank()) {
            throw new IllegalArgumentException("an endpoint needs TF Serving's gRPC target (" + GRPC_TARGET + ")");
        }
        if (modelName == null || modelName.isBlank()) {
            throw new IllegalArgumentException("an endpoint needs the served model's name (" + MODEL_NAME + ")");
        }
        if (modelVersion != null && modelVersion < 0) {
            throw new IllegalArgumentException("an endpoint's " + MODEL_VERSION + " must not be negative, got " + modelVersion);
        }
        if (modelValueId == null || modelValueId.isBlank()) {
            throw new IllegalArgumentException("an endpoint needs the id of the model value it serves");
        }
        signatureName = signatureName == null || signatureName.isBlank() ? DEFAULT_SIGNATURE : signatureName;
        inputName = inputName == null || inputName.isBlank() ? null : inputName;
        outputName = outputName == null || outputName.isBlank() ? null : outputName;
        if (rollout != null) {
            RolloutPolicy policy = RolloutPolicy.parse(rollout);
            if (policy == RolloutPolicy.IMMEDIATE) {
                rollout = null;
            } else if (challengerVersion == null || modelVersion == null) {
                throw new IllegalArgumentException("an endpoint with rollout " + rollout + " needs both the live " + MODEL_VERSION
                    + " and the " + CHALLENGER_VERSION);
            } else if (challengerVersion.equals(modelVersion)) {
                throw new IllegalArgumentException("the challenger of an endpoint must differ from its live version " + modelVersion);
            } else {
                rollout = policy.wireName();
            }
        }
        if (rollout == null) {
            challengerVersion = null;
            challengerModelValueId = null;
            canaryWeight = null;
        } else if (RolloutPolicy.CANARY.wireName().equals(rollout)) {
            if (canaryWeight == null || canaryWeight < 0 || canaryWeight > 1) {
                throw new IllegalArgumentException("a canary endpoint needs a " + CANARY_WEIGHT + " from 0 to 1, got " + canaryWeight);
            }
        } else {
            canaryWeight = null;
        }
    }

    /** An endpoint of one version, no rollout under way. */
    public EndpointValue(String grpcTarget, String restUrl, String modelName, Long modelVersion, String signatureName,
            String inputName, String outputName, String modelValueId, String testAccuracy, String mode) {
        this(grpcTarget, restUrl, modelName, modelVersion, signatureName, inputName, outputName, modelValueId, testAccuracy, mode, null,
            null, null, null);
    }

    /** The rollout under way, {@link RolloutPolicy#IMMEDIATE} when none. */
    @JsonIgnore
    public RolloutPolicy rolloutPolicy() {
        return rollout == null ? RolloutPolicy.IMMEDIATE : RolloutPolicy.parse(rollout);
    }

    /** The value's id: derived from the model value's id, so a re-announcement has the same id. */
    @JsonIgnore
    public String id() {
        return ValueIds.derived(TASK, OUTPUT, modelValueId);
    }

    /** The annotations of the endpoint value. */
    @JsonIgnore
    public Map<String, String> annotations() {
        Map<String, String> a = new LinkedHashMap<>();
        a.put(GRPC_TARGET, grpcTarget);
        put(a, REST_URL, restUrl);
        a.put(MODEL_NAME, modelName);
        put(a, MODEL_VERSION, modelVersion == null ? null : modelVersion.toString());
        a.put(SIGNATURE_NAME, signatureName);
        put(a, INPUT_NAME, inputName);
        put(a, OUTPUT_NAME, outputName);
        put(a, TEST_ACCURACY, testAccuracy);
        put(a, SERVING_MODE, mode);
        put(a, ROLLOUT, rollout);
        put(a, CHALLENGER_VERSION, challengerVersion == null ? null : challengerVersion.toString());
        put(a, CANARY_WEIGHT, canaryWeight == null ? null : canaryWeight.toString());
        return a;
    }

    /** The {@code serve.endpoint} annotated value: this record as inline JSON content, the model value as lineage. */
    public AnnotatedValue toValue(String pipeline) {
        byte[] json = Json.toBytes(this);
        return AnnotatedValue.builder().id(id()).pipeline(pipeline).task(TASK).output(OUTPUT).type(ValueType.ENDPOINT.wireName())
            .content(Contents.inline(json, "application/json")).sourceInput(INPUT, modelValueId)
            .createdAt(Instant.now()).annotations(annotations()).build();
    }

    /**
     * Reads an endpoint value from its JSON content.
     *
     * @throws MalformedValueException saying what is missing or wrong
     */
    public static EndpointValue from(AnnotatedValue value, ContentStore store) {
        String what = "endpoint value " + value.id();
        if (!ValueType.ENDPOINT.wireName().equals(value.type())) {
            throw new MalformedValueException(what + " has type '" + value.type() + "', expected '" + ValueType.ENDPOINT.wireName()
                + "'");
        }
        byte[] json;
        try {
            json = Contents.read(store, value);
        } catch (ContentStoreException e) {
            throw new MalformedValueException(what + ": cannot read its content: " + e.getMessage(), e);
        }
        try {
            return Json.fromBytes(json, EndpointValue.class);
        } catch (MalformedValueException e) {
            throw new MalformedValueException(what + ": its content is not an endpoint (" + e.getMessage() + ")", e);
        }
    }

    /** For logs: {@code fashion v3 at host:port}. */
    public String describe() {
        return modelName + (modelVersion == null ? " (latest)" : " v" + modelVersion)
            + (rollout == null ? "" : " (" + rollout + " v" + challengerVersion + ")") + " at " + grpcTarget;
    }

    private static void put(Map<String, String> annotations, String key, String value) {
        if (value != null) {
            annotations.put(key, value);
        }
    }
}
