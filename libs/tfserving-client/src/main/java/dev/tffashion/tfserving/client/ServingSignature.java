package dev.tffashion.tfserving.client;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * A served model's signature as a caller uses it (from GetModelMetadata and {@link SignatureResolver}): the model and the version
 * that answered, the float input's name and dimensions, the output's name and dimensions. Dimensions of -1 are unknown (the batch
 * dimension usually is).
 *
 * @param inputDims the input's dimensions, or null when the signature leaves its rank unknown
 * @param outputDims the output's dimensions, or null when unknown
 */
public record ServingSignature(String modelName, long version, String signatureName, String inputName, long[] inputDims,
        String outputName, long[] outputDims) {

    /** The same signature as answered by another version (TF Serving's latest moved on). */
    public ServingSignature withVersion(long answered) {
        return answered == version ? this : new ServingSignature(modelName, answered, signatureName, inputName, inputDims, outputName,
            outputDims);
    }

    /** For messages: {@code fashion v3 serving_default(images [-1,28,28]) -> probabilities [-1,10]}. */
    public String describe() {
        return modelName + " v" + version + " " + signatureName + "(" + inputName + " " + dims(inputDims) + ") -> " + outputName + " "
            + dims(outputDims);
    }

    /** Dimensions as {@code [-1,28,28]}, or {@code [?]} for an unknown rank. */
    public static String dims(long[] dims) {
        return dims == null ? "[?]" : Arrays.stream(dims).mapToObj(Long::toString).collect(Collectors.joining(",", "[", "]"));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ServingSignature s && modelName.equals(s.modelName) && version == s.version
            && signatureName.equals(s.signatureName) && inputName.equals(s.inputName) && Arrays.equals(inputDims, s.inputDims)
            && outputName.equals(s.outputName) && Arrays.equals(outputDims, s.outputDims);
    }

    @Override
    public int hashCode() {
        return (modelName + version + signatureName + inputName + outputName).hashCode() * 31 + Arrays.hashCode(inputDims);
    }

    @Override
    public String toString() {
        return "ServingSignature[" + describe() + "]";
    }
}
