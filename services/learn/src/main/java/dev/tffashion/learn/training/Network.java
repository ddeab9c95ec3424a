package dev.tffashion.learn.training;

import dev.tffashion.fashionmnist.FashionMnist;
import dev.tffashion.learn.ModelKind;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.nn.Conv2d;
import org.tensorflow.op.nn.MaxPool;
import org.tensorflow.op.random.RandomUniform;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * The architectures, built the same way into the training graph and the slim inference graph: parameters are looked
 * up by name, so trained values move from one graph to the other. Input: images {@code [-1,28,28]} in [0,1], standardised
 * inside the graph with the training set's mean and deviation (so the model's contract stays "pixels / 255").
 */
final class Network {

    /** MLP: 784 → 256 (ReLU) → 10. */
    static final int MLP_HIDDEN = 256;
    /** CNN: filters of the first 3x3 convolution. */
    static final int CNN_FILTERS_1 = 16;
    /** CNN: filters of the second 3x3 convolution. */
    static final int CNN_FILTERS_2 = 32;
    /** CNN: width of the dense layer. */
    static final int CNN_DENSE = 128;
    /** Dropout rate before the MLP's output layer, in training only. */
    static final float MLP_DROPOUT = 0.2f;
    /** Dropout rate before the CNN's output layer, in training only. */
    static final float CNN_DROPOUT = 0.3f;
    /** Mean and standard deviation of Fashion-MNIST's training pixels in [0,1]: the graph standardises its input with them. */
    static final float PIXEL_MEAN = 0.2860f;
    static final float PIXEL_STD = 0.3530f;

    private Network() {
    }

    /** A trainable parameter: its name, shape and Glorot-uniform fan (zero for biases, which start at 0). */
    record Parameter(String name, long[] shape, int fanIn, int fanOut) {

        Shape tfShape() {
            return Shape.of(shape);
        }

        int size() {
            long size = 1;
            for (long dimension : shape) {
                size *= dimension;
            }
            return (int) size;
        }

        /** Initial values: Glorot uniform for weights, zeros for biases; deterministic from {@code random}. */
        float[] initialValues(SplittableRandom random) {
            float[] values = new float[size()];
            if (fanIn > 0) {
                double limit = Math.sqrt(6.0 / (fanIn + fanOut));
                for (int i = 0; i < values.length; i++) {
                    values[i] = (float) ((random.nextDouble() * 2 - 1) * limit);
                }
            }
            return values;
        }
    }

    /** The parameters of a model kind, in creation order. */
    static List<Parameter> parameters(ModelKind kind) {
        int pixels = FashionMnist.PIXELS;
        int classes = FashionMnist.CLASSES;
        return switch (kind) {
            case MLP -> List.of(
                new Parameter("dense1_kernel", new long[] {pixels, MLP_HIDDEN}, pixels, MLP_HIDDEN),
                new Parameter("dense1_bias", new long[] {MLP_HIDDEN}, 0, 0),
                new Parameter("output_kernel", new long[] {MLP_HIDDEN, classes}, MLP_HIDDEN, classes),
                new Parameter("output_bias", new long[] {classes}, 0, 0));
            case CNN -> List.of(
                new Parameter("conv1_kernel", new long[] {3, 3, 1, CNN_FILTERS_1}, 9, 9 * CNN_FILTERS_1),
                new Parameter("conv1_bias", new long[] {CNN_FILTERS_1}, 0, 0),
                new Parameter("conv2_kernel", new long[] {3, 3, CNN_FILTERS_1, CNN_FILTERS_2}, 9 * CNN_FILTERS_1, 9 * CNN_FILTERS_2),
                new Parameter("conv2_bias", new long[] {CNN_FILTERS_2}, 0, 0),
                new Parameter("dense1_kernel", new long[] {7 * 7 * CNN_FILTERS_2, CNN_DENSE}, 7 * 7 * CNN_FILTERS_2, CNN_DENSE),
                new Parameter("dense1_bias", new long[] {CNN_DENSE}, 0, 0),
                new Parameter("output_kernel", new long[] {CNN_DENSE, classes}, CNN_DENSE, classes),
                new Parameter("output_bias", new long[] {classes}, 0, 0));
        };
    }

    /**
     * Builds the logits {@code [-1,10]}.
     *
     * @param params     the parameter operands by name
     * @param dropoutSeed seed of the training-time dropout masks, or null for inference (no dropout)
     */
    static Operand<TFloat32> logits(Ops tf, ModelKind kind, Operand<TFloat32> images, Map<String, Operand<TFloat32>> params,
        Long dropoutSeed) {
        Operand<TFloat32> standardized = tf.math.div(tf.math.sub(images, tf.constant(PIXEL_MEAN)), tf.constant(PIXEL_STD));
        return switch (kind) {
            case MLP -> {
                Operand<TFloat32> flat = tf.reshape(standardized, tf.constant(new int[] {-1, FashionMnist.PIXELS}));
                Operand<TFloat32> hidden = dense(tf, flat, params, "dense1", true);
                yield dense(tf, dropout(tf, hidden, MLP_DROPOUT, dropoutSeed), params, "output", false);
            }
            case CNN -> {
                Operand<TFloat32> x = tf.reshape(standardized, tf.constant(new int[] {-1, 28, 28, 1}));
                x = maxPool(tf, conv(tf, x, params, "conv1"));
                x = maxPool(tf, conv(tf, x, params, "conv2"));
                x = tf.reshape(x, tf.constant(new int[] {-1, 7 * 7 * CNN_FILTERS_2}));
                Operand<TFloat32> hidden = dense(tf, x, params, "dense1", true);
                yield dense(tf, dropout(tf, hidden, CNN_DROPOUT, dropoutSeed), params, "output", false);
            }
        };
    }

    private static Operand<TFloat32> dense(Ops tf, Operand<TFloat32> x, Map<String, Operand<TFloat32>> params, String layer,
        boolean relu) {
        Operand<TFloat32> y = tf.nn.biasAdd(tf.linalg.matMul(x, params.get(layer + "_kernel")), params.get(layer + "_bias"));
        return relu ? tf.nn.relu(y) : y;
    }

    private static Operand<TFloat32> conv(Ops tf, Operand<TFloat32> x, Map<String, Operand<TFloat32>> params, String layer) {
        Operand<TFloat32> y = tf.nn.conv2d(x, params.get(layer + "_kernel"), List.of(1L, 1L, 1L, 1L), "SAME",
            Conv2d.dataFormat("NHWC"));
        return tf.nn.relu(tf.nn.biasAdd(y, params.get(layer + "_bias")));
    }

    private static Operand<TFloat32> maxPool(Ops tf, Operand<TFloat32> x) {
        return tf.nn.maxPool(x, tf.constant(new int[] {1, 2, 2, 1}), tf.constant(new int[] {1, 2, 2, 1}), "VALID",
            MaxPool.dataFormat("NHWC"));
    }

    /** Inverted dropout: zeroes a fraction {@code rate} of the activations and scales the rest, in training only. */
    private static Operand<TFloat32> dropout(Ops tf, Operand<TFloat32> x, float rate, Long seed) {
        if (seed == null || rate <= 0) {
            return x;
        }
        float keep = 1 - rate;
        Operand<TInt32> shape = tf.shape(x);
        Operand<TFloat32> uniform = tf.random.randomUniform(shape, TFloat32.class, RandomUniform.seed(seed).seed2(1L));
        Operand<TFloat32> mask = tf.math.floor(tf.math.add(uniform, tf.constant(keep)));
        return tf.math.mul(x, tf.math.mul(mask, tf.constant(1 / keep)));
    }
}
