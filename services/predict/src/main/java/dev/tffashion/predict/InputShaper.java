package dev.tffashion.predict;

import java.util.Arrays;

/**
 * Shapes a tensor for the served model's input, from the signature TF Serving reports: a 28x28 picture goes in as {@code [n,28,28]}
 * for a model that declares {@code [-1,28,28]}, as {@code [n,784]} for one that declares {@code [-1,784]} (as Koalja's own script
 * exports), {@code [n,28,28,1]} for a convolutional one. A tensor whose values do not fit the declared shape is sent in its own shape,
 * and TF Serving's INVALID_ARGUMENT says why it does not fit.
 */
public final class InputShaper {

    private InputShaper() {
    }

    /** The dimensions of one instance (without the batch dimension) to send for this tensor. */
    public static long[] instanceDims(long[] modelDims, int[] tensorShape) {
        long[] own = Arrays.stream(tensorShape).asLongStream().toArray();
        if (modelDims == null || modelDims.length < 2) {
            return own;
        }
        long[] declared = Arrays.copyOfRange(modelDims, 1, modelDims.length);
        long values = Arrays.stream(own).reduce(1, (a, b) -> a * b);
        long known = 1;
        int unknown = -1;
        for (int i = 0; i < declared.length; i++) {
            if (declared[i] < 0) {
                if (unknown >= 0) {
                    return own;
                }
                unknown = i;
            } else {
                known *= declared[i];
            }
        }
        if (unknown >= 0) {
            if (known == 0 || values % known != 0) {
                return own;
            }
            if (declared.length == own.length) {
                return own;
            }
            declared[unknown] = values / known;
            return declared;
        }
        return known == values ? declared : own;
    }

    /** The largest batch the model accepts: its fixed first dimension, else unbounded. */
    public static int maxBatch(long[] modelDims) {
        return modelDims != null && modelDims.length > 0 && modelDims[0] > 0 ? (int) Math.min(modelDims[0], Integer.MAX_VALUE)
            : Integer.MAX_VALUE;
    }
}
