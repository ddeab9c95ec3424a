package dev.tffashion.servemanager;

import java.util.Arrays;

/**
 * The signature of a served version (from GetModelMetadata): its input and output tensor names and the input shape, -1 for a
 * free dimension.
 */
public record ServedSignature(String name, String inputName, long[] inputShape, String outputName) {

    /** The request shape for n images: the input shape with the batch dimension set to n, checked to hold 784 values per image. */
    public long[] batchShape(int n) {
        long[] shape = inputShape.length == 0 ? new long[] {-1, 28, 28} : inputShape.clone();
        shape[0] = n;
        long perImage = 1;
        for (int i = 1; i < shape.length; i++) {
            perImage *= shape[i] < 0 ? -1 : shape[i];
        }
        if (perImage != EvaluationSamples.PIXELS) {
            throw new ModelRejectedException("verify", "signature '" + name + "' input '" + inputName + "' has shape "
                    + Arrays.toString(inputShape) + ": expected 784 values per image ([-1,28,28], [-1,784] or [-1,28,28,1])");
        }
        return shape;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ServedSignature s && name.equals(s.name) && inputName.equals(s.inputName) && outputName.equals(s.outputName)
                && Arrays.equals(inputShape, s.inputShape);
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + Arrays.hashCode(inputShape);
    }

    @Override
    public String toString() {
        return name + "(" + inputName + Arrays.toString(inputShape) + " -> " + outputName + ")";
    }
}
