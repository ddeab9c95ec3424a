package dev.tffashion.predict;

import java.util.Arrays;

import dev.tffashion.tfserving.client.ServingSignature;

/**
 * What predict needs of a served model's signature (from TF Serving's GetModelMetadata): the float input's name and shape, the
 * output's name and shape, and the version that answered. Dimensions of -1 are unknown (the batch dimension usually is).
 *
 * @param inputDims the input's dimensions, or null when the signature leaves its rank unknown
 * @param outputDims the output's dimensions, or null when unknown
 */
public record ModelSignature(String modelName, long version, String signatureName, String inputName, long[] inputDims,
        String outputName, long[] outputDims) {

    /** Predict's view of the shared client's signature. */
    public static ModelSignature of(ServingSignature s) {
        return new ModelSignature(s.modelName(), s.version(), s.signatureName(), s.inputName(), s.inputDims(), s.outputName(),
            s.outputDims());
    }

    /** The shared client's view of this signature, to call Predict with. */
    public ServingSignature serving() {
        return new ServingSignature(modelName, version, signatureName, inputName, inputDims, outputName, outputDims);
    }

    /** The same signature as answered by another version (TF Serving's latest moved on). */
    public ModelSignature withVersion(long answered) {
        return answered == version ? this : new ModelSignature(modelName, answered, signatureName, inputName, inputDims, outputName,
            outputDims);
    }

    /** For messages: {@code fashion v3 serving_default(images [-1,28,28]) -> probabilities [-1,10]}. */
    public String describe() {
        return modelName + " v" + version + " " + signatureName + "(" + inputName + " " + dims(inputDims) + ") -> " + outputName + " "
            + dims(outputDims);
    }

    /** Dimensions as {@code [-1,28,28]}, or {@code [?]} for an unknown rank. */
    public static String dims(long[] dims) {
        return ServingSignature.dims(dims);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ModelSignature s && modelName.equals(s.modelName) && version == s.version
            && signatureName.equals(s.signatureName) && inputName.equals(s.inputName) && Arrays.equals(inputDims, s.inputDims)
            && outputName.equals(s.outputName) && Arrays.equals(outputDims, s.outputDims);
    }

    @Override
    public int hashCode() {
        return (modelName + version + signatureName + inputName + outputName).hashCode() * 31 + Arrays.hashCode(inputDims);
    }

    @Override
    public String toString() {
        return "ModelSignature[" + describe() + "]";
    }
}
