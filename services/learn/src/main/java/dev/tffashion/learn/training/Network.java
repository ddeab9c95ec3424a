package dev.tffashion.learn.training;

import dev.tffashion.fashionmnist.FashionMnist;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Squeeze;
import org.tensorflow.op.nn.Conv2d;
import org.tensorflow.op.nn.FusedBatchNorm;
import org.tensorflow.op.nn.MaxPool;
import org.tensorflow.op.random.RandomUniform;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * The architectures, built the same way into the training graph and the slim inference graph: parameters are looked
 * up by name, so trained values move from one graph to the other. Input: images {@code [-1,28,28]} in [0,1], standardised
 * inside the graph with the training set's mean and deviation (so the model's contract stays "pixels / 255").
 * With batch normalisation each hidden layer is normalised before its ReLU: with the batch's moments in training (whose
 * moving averages are updated at every step), with those moving averages in inference and in the exported model.
 */
final class Network {

    /** CNN: width of the dense layer. */
    static final int CNN_DENSE = 128;
    /** Dropout rate before the MLP's output layer, in training only. */
    static final float MLP_DROPOUT = 0.2f;
    /** Dropout rate before the CNN's output layer, in training only. */
    static final float CNN_DROPOUT = 0.3f;
    /** Mean and standard deviation of Fashion-MNIST's training pixels in [0,1]: the graph standardises its input with them. */
    static final float PIXEL_MEAN = 0.2860f;
    static final float PIXEL_STD = 0.3530f;
    /** Batch normalisation: weight of the old value in the moving averages, and the epsilon added to the variance. */
    static final float BN_MOMENTUM = 0.9f;
    static final float BN_EPSILON = 1e-3f;

    private Network() {
    }

    /** How a parameter starts. */
    enum Init { GLOROT, ZEROS, ONES }

    /**
     * A parameter: its name, shape, how it starts and whether the optimizer trains it (batch normalisation's moving
     * averages are updated by their own ops instead).
     */
    record Parameter(String name, long[] shape, int fanIn, int fanOut, Init init, boolean trainable) {

        static Parameter weights(String name, long[] shape, int fanIn, int fanOut) {
            return new Parameter(name, shape, fanIn, fanOut, Init.GLOROT, true);
        }

        static Parameter filled(String name, long size, Init init, boolean trainable) {
            return new Parameter(name, new long[] {size}, 0, 0, init, trainable);
        }

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

        /** Initial values: Glorot uniform for weights, else zeros or ones; deterministic from {@code random}. */
        float[] initialValues(SplittableRandom random) {
            float[] values = new float[size()];
            if (init == Init.GLOROT) {
                double limit = Math.sqrt(6.0 / (fanIn + fanOut));
                for (int i = 0; i < values.length; i++) {
                    values[i] = (float) ((random.nextDouble() * 2 - 1) * limit);
                }
            } else if (init == Init.ONES) {
                java.util.Arrays.fill(values, 1f);
            }
            return values;
        }
    }

    /**
     * How the graph is built.
     *
     * @param dropoutSeed seed of the training-time dropout masks; null for inference (no dropout, moving averages)
     * @param updates     where training adds the ops that update the moving averages (run them at every step)
     */
    record Mode(Long dropoutSeed, List<Op> updates) {

        static final Mode INFERENCE = new Mode(null, null);

        boolean training() {
            return dropoutSeed != null;
        }
    }

    /** The parameters of an architecture, in creation order. */
    static List<Parameter> parameters(Architecture architecture) {
        int pixels = FashionMnist.PIXELS;
        int classes = FashionMnist.CLASSES;
        int width = architecture.width();
        List<Parameter> parameters = new ArrayList<>();
        switch (architecture.kind()) {
            case MLP -> {
                parameters.add(Parameter.weights("dense1_kernel", new long[] {pixels, width}, pixels, width));
                hiddenEnd(parameters, "dense1", width, architecture.batchNorm());
                parameters.add(Parameter.weights("output_kernel", new long[] {width, classes}, width, classes));
                parameters.add(Parameter.filled("output_bias", classes, Init.ZEROS, true));
            }
            case CNN -> {
                int filters2 = 2 * width;
                parameters.add(Parameter.weights("conv1_kernel", new long[] {3, 3, 1, width}, 9, 9 * width));
                hiddenEnd(parameters, "conv1", width, architecture.batchNorm());
                parameters.add(Parameter.weights("conv2_kernel", new long[] {3, 3, width, filters2}, 9 * width, 9 * filters2));
                hiddenEnd(parameters, "conv2", filters2, architecture.batchNorm());
                parameters.add(Parameter.weights("dense1_kernel", new long[] {7 * 7 * filters2, CNN_DENSE}, 7 * 7 * filters2,
                    CNN_DENSE));
                hiddenEnd(parameters, "dense1", CNN_DENSE, architecture.batchNorm());
                parameters.add(Parameter.weights("output_kernel", new long[] {CNN_DENSE, classes}, CNN_DENSE, classes));
                parameters.add(Parameter.filled("output_bias", classes, Init.ZEROS, true));
            }
            default -> throw new IllegalArgumentException("no architecture for " + architecture.kind());
        }
        return List.copyOf(parameters);
    }

    /** A hidden layer's bias, or with batch normalisation its scale, offset and moving averages (the offset is the bias). */
    private static void hiddenEnd(List<Parameter> parameters, String layer, int units, boolean batchNorm) {
        if (batchNorm) {
            parameters.add(Parameter.filled(layer + "_gamma", units, Init.ONES, true));
            parameters.add(Parameter.filled(layer + "_beta", units, Init.ZEROS, true));
            parameters.add(Parameter.filled(layer + "_moving_mean", units, Init.ZEROS, false));
            parameters.add(Parameter.filled(layer + "_moving_variance", units, Init.ONES, false));
        } else {
            parameters.add(Parameter.filled(layer + "_bias", units, Init.ZEROS, true));
        }
    }

    /** Builds the logits {@code [-1,10]}. */
    static Operand<TFloat32> logits(Ops tf, Architecture architecture, Operand<TFloat32> images,
        Map<String, ? extends Operand<TFloat32>> params, Mode mode) {
        Operand<TFloat32> standardized = tf.math.div(tf.math.sub(images, tf.constant(PIXEL_MEAN)), tf.constant(PIXEL_STD));
        Layers layers = new Layers(tf, params, architecture.batchNorm(), mode);
        return switch (architecture.kind()) {
            case MLP -> {
                Operand<TFloat32> flat = tf.reshape(standardized, tf.constant(new int[] {-1, FashionMnist.PIXELS}));
                Operand<TFloat32> hidden = layers.dense(flat, "dense1");
                yield layers.output(layers.dropout(hidden, MLP_DROPOUT));
            }
            case CNN -> {
                int filters2 = 2 * architecture.width();
                Operand<TFloat32> x = tf.reshape(standardized, tf.constant(new int[] {-1, 28, 28, 1}));
                x = layers.maxPool(layers.conv(x, "conv1"));
                x = layers.maxPool(layers.conv(x, "conv2"));
                x = tf.reshape(x, tf.constant(new int[] {-1, 7 * 7 * filters2}));
                Operand<TFloat32> hidden = layers.dense(x, "dense1");
                yield layers.output(layers.dropout(hidden, CNN_DROPOUT));
            }
            default -> throw new IllegalArgumentException("no architecture for " + architecture.kind());
        };
    }

    /**
     * Batch normalisation of {@code y} ({@code [n,units]} or {@code [n,h,w,units]}, NHWC) by TensorFlow's fused kernel
     * ({@code FusedBatchNormV3}): in training with the batch's mean and (biased) variance over every axis but the last, and
     * an update of the moving averages added to the mode's updates; in inference with the moving averages. The fused op
     * takes 4-D input: a dense layer's {@code [n,units]} goes through it as {@code [n,1,1,units]}. Same result as the
     * composition {@code (y - mean) * rsqrt(variance + epsilon) * gamma + beta} (a test compares them), in far fewer ops.
     */
    static Operand<TFloat32> batchNorm(Ops tf, Operand<TFloat32> y, Operand<TFloat32> gamma, Operand<TFloat32> beta,
        Operand<TFloat32> movingMean, Operand<TFloat32> movingVariance, Mode mode) {
        boolean dense = y.shape().numDimensions() == 2;
        Operand<TFloat32> x = dense ? tf.expandDims(tf.expandDims(y, tf.constant(1)), tf.constant(1)) : y;
        FusedBatchNorm<TFloat32, TFloat32> fused = tf.nn.fusedBatchNorm(x, gamma, beta, movingMean, movingVariance,
            FusedBatchNorm.epsilon(BN_EPSILON), FusedBatchNorm.dataFormat("NHWC"), FusedBatchNorm.isTraining(mode.training()));
        if (mode.training()) {
            // The kernel's batch variance is Bessel-corrected (n / (n - 1)); the moving average keeps the biased one that
            // the normalisation itself uses, as the composition did. n: values per channel.
            Operand<TFloat32> n = tf.math.div(tf.dtypes.cast(tf.size(x), TFloat32.class), tf.dtypes.cast(
                tf.gather(tf.shape(x), tf.constant(3), tf.constant(0)), TFloat32.class));
            Operand<TFloat32> biased = tf.math.mul(fused.batchVariance(),
                tf.math.div(tf.math.maximum(tf.math.sub(n, tf.constant(1f)), tf.constant(1f)), n));
            mode.updates().add(tf.assign(movingMean, movingAverage(tf, movingMean, fused.batchMean())));
            mode.updates().add(tf.assign(movingVariance, movingAverage(tf, movingVariance, biased)));
        }
        return dense ? tf.squeeze(fused.y(), Squeeze.axis(List.of(1L, 2L))) : fused.y();
    }

    private static Operand<TFloat32> movingAverage(Ops tf, Operand<TFloat32> average, Operand<TFloat32> value) {
        return tf.math.add(tf.math.mul(average, tf.constant(BN_MOMENTUM)), tf.math.mul(value, tf.constant(1 - BN_MOMENTUM)));
    }

    /** The layers of one graph. */
    private record Layers(Ops tf, Map<String, ? extends Operand<TFloat32>> params, boolean batchNorm, Mode mode) {

        Operand<TFloat32> dense(Operand<TFloat32> x, String layer) {
            return hiddenEnd(tf.linalg.matMul(x, params.get(layer + "_kernel")), layer);
        }

        Operand<TFloat32> conv(Operand<TFloat32> x, String layer) {
            Operand<TFloat32> y = tf.nn.conv2d(x, params.get(layer + "_kernel"), List.of(1L, 1L, 1L, 1L), "SAME",
                Conv2d.dataFormat("NHWC"));
            return hiddenEnd(y, layer);
        }

        Operand<TFloat32> output(Operand<TFloat32> x) {
            return tf.nn.biasAdd(tf.linalg.matMul(x, params.get("output_kernel")), params.get("output_bias"));
        }

        /** Bias (or batch normalisation) and ReLU. */
        private Operand<TFloat32> hiddenEnd(Operand<TFloat32> y, String layer) {
            if (!batchNorm) {
                return tf.nn.relu(tf.nn.biasAdd(y, params.get(layer + "_bias")));
            }
            return tf.nn.relu(Network.batchNorm(tf, y, params.get(layer + "_gamma"), params.get(layer + "_beta"),
                params.get(layer + "_moving_mean"), params.get(layer + "_moving_variance"), mode));
        }

        Operand<TFloat32> maxPool(Operand<TFloat32> x) {
            return tf.nn.maxPool(x, tf.constant(new int[] {1, 2, 2, 1}), tf.constant(new int[] {1, 2, 2, 1}), "VALID",
                MaxPool.dataFormat("NHWC"));
        }

        /** Inverted dropout: zeroes a fraction {@code rate} of the activations and scales the rest, in training only. */
        Operand<TFloat32> dropout(Operand<TFloat32> x, float rate) {
            if (!mode.training() || rate <= 0) {
                return x;
            }
            float keep = 1 - rate;
            Operand<TInt32> shape = tf.shape(x);
            Operand<TFloat32> uniform = tf.random.randomUniform(shape, TFloat32.class,
                RandomUniform.seed(mode.dropoutSeed()).seed2(1L));
            Operand<TFloat32> mask = tf.math.floor(tf.math.add(uniform, tf.constant(keep)));
            return tf.math.mul(x, tf.math.mul(mask, tf.constant(1 / keep)));
        }
    }
}
