package dev.tffashion.pipeline.graph;

import java.util.Arrays;

/** The value types that travel on the pipeline's links; the wire form is the camel-case name. */
public enum ValueType {
    SCRIPT_FILE("scriptFile"),
    IMAGE_FILE("imageFile"),
    MODEL_FILE("modelFile"),
    TENSOR("tensor"),
    ENDPOINT("endpoint"),
    PREDICTION("prediction");

    private final String wireName;

    ValueType(String wireName) {
        this.wireName = wireName;
    }

    /** The name used in annotated values' {@code type} field and in pipeline.yaml. */
    public String wireName() {
        return wireName;
    }

    public static ValueType fromWireName(String name) {
        return Arrays.stream(values()).filter(v -> v.wireName.equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unknown value type '" + name + "'; known: "
                        + Arrays.stream(values()).map(ValueType::wireName).toList()));
    }
}
