package dev.tffashion.servemanager;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

import com.fasterxml.jackson.annotation.JsonInclude;

import dev.tffashion.pipeline.AnnotatedValue;
import dev.tffashion.pipeline.Json;
import dev.tffashion.pipeline.ValueIds;
import dev.tffashion.pipeline.graph.ValueType;
import dev.tffashion.pipeline.store.Contents;
import dev.tffashion.pipeline.store.Hashing;

/**
 * Where a verified model version answers: the facts of a {@code serve.endpoint} value. The annotation names are a contract that
 * services/predict reads: {@value #GRPC_TARGET}, {@value #REST_URL}, {@value #MODEL_NAME}, {@value #MODEL_VERSION},
 * {@value #SIGNATURE_NAME}, {@value #INPUT_NAME}, {@value #OUTPUT_NAME}; the content is the same facts as JSON.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ServedEndpoint(
        String grpcTarget,
        String restUrl,
        String modelName,
        long modelVersion,
        String signatureName,
        String inputName,
        String outputName,
        String modelValueId,
        String testAccuracy,
        String mode) {

    /** TF Serving's gRPC target, {@code host:port}. */
    public static final String GRPC_TARGET = "grpcTarget";
    /** TF Serving's REST base URL, {@code http://host:port} (the model is at {@code /v1/models/<modelName>}). */
    public static final String REST_URL = "restUrl";
    /** The served model's name. */
    public static final String MODEL_NAME = "modelName";
    /** The verified version, a whole number. */
    public static final String MODEL_VERSION = "modelVersion";
    /** The signature that was checked. */
    public static final String SIGNATURE_NAME = "signatureName";
    /** The signature's input tensor name. */
    public static final String INPUT_NAME = "inputName";
    /** The signature's output tensor name. */
    public static final String OUTPUT_NAME = "outputName";
    /** The serve task and its output, as in the pipeline graph. */
    public static final String TASK = "serve";
    /** The serve task's output. */
    public static final String OUTPUT = "endpoint";
    /** The serve task's input (lineage). */
    public static final String INPUT = "model";

    /** The endpoint value's id: derived from the model value's id, so a re-announcement has the same id. */
    public String valueId() {
        return ValueIds.derived(TASK, OUTPUT, modelValueId);
    }

    /** The annotations of the endpoint value. */
    public Map<String, String> annotations() {
        Map<String, String> a = new LinkedHashMap<>();
        a.put(GRPC_TARGET, grpcTarget);
        if (restUrl != null) {
            a.put(REST_URL, restUrl);
        }
        a.put(MODEL_NAME, modelName);
        a.put(MODEL_VERSION, Long.toString(modelVersion));
        a.put(SIGNATURE_NAME, signatureName);
        if (inputName != null) {
            a.put(INPUT_NAME, inputName);
        }
        if (outputName != null) {
            a.put(OUTPUT_NAME, outputName);
        }
        if (testAccuracy != null) {
            a.put("testAccuracy", testAccuracy);
        }
        a.put("servingMode", mode);
        return a;
    }

    /** The {@code serve.endpoint} annotated value, its content inline as JSON, with the model value as lineage. */
    public AnnotatedValue toValue(String pipeline) {
        byte[] json = Json.toBytes(this);
        return AnnotatedValue.builder()
                .id(valueId())
                .pipeline(pipeline)
                .task(TASK)
                .output(OUTPUT)
                .type(ValueType.ENDPOINT.wireName())
                .data(Contents.dataUri("application/json", json))
                .mediaType("application/json")
                .size(json.length)
                .sha256(Hashing.sha256Hex(json))
                .sourceInput(INPUT, modelValueId)
                .annotations(annotations())
                .build();
    }

    /** For logs: {@code fashion v3 at host:port}. */
    public String describe() {
        return modelName + " v" + modelVersion + " at " + grpcTarget;
    }

    @Override
    public String toString() {
        return new String(Json.toBytes(this), StandardCharsets.UTF_8);
    }
}
