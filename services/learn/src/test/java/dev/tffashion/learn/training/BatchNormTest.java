package dev.tffashion.learn.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.GraphOperation;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Gradients;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;

/**
 * {@link Network#batchNorm} (TensorFlow's fused kernel) against batch normalisation composed from primitive ops, as the
 * network was built before: the same output, the same gradients for the input, scale and offset, and the same moving
 * averages, in training and in inference, for a convolution's {@code [n,h,w,c]} and a dense layer's {@code [n,c]}.
 */
class BatchNormTest {

    private static final float TOLERANCE = 2e-5f;

    @BeforeAll
    static void loadTensorFlow() {
        TensorFlowRuntime.load();
    }

    @Test
    void fusedConvolutionBatchNormMatchesTheComposition() {
        Outcome fused = run(new long[] {3, 4, 5, 6}, true, true);
        Outcome composed = run(new long[] {3, 4, 5, 6}, true, false);
        fused.assertClose(composed);
    }

    @Test
    void fusedDenseBatchNormMatchesTheComposition() {
        Outcome fused = run(new long[] {7, 5}, true, true);
        Outcome composed = run(new long[] {7, 5}, true, false);
        fused.assertClose(composed);
    }

    @Test
    void fusedInferenceUsesTheMovingAveragesLikeTheComposition() {
        fusedAndComposedAgree(new long[] {2, 3, 3, 4});
        fusedAndComposedAgree(new long[] {4, 6});
    }

    @Test
    void theComparisonSeesADifferentNormalisation() {
        Outcome fused = run(new long[] {3, 4, 5, 6}, true, true);
        Outcome other = run(new long[] {3, 4, 5, 6}, true, false);
        other.values().get(0)[0] += 1e-3f;
        boolean failed = false;
        try {
            fused.assertClose(other);
        } catch (AssertionError expected) {
            failed = true;
        }
        assertTrue(failed, "an output off by 1e-3 must fail the comparison");
    }

    private static void fusedAndComposedAgree(long[] shape) {
        run(shape, false, true).assertClose(run(shape, false, false));
    }

    /** The outputs of one graph: y, then (training) dy/dx, dy/dgamma, dy/dbeta, new moving mean, new moving variance. */
    private record Outcome(List<float[]> values) {

        void assertClose(Outcome other) {
            assertEquals(values.size(), other.values.size());
            for (int i = 0; i < values.size(); i++) {
                float[] a = values.get(i);
                float[] b = other.values.get(i);
                assertEquals(a.length, b.length, "output " + i);
                for (int j = 0; j < a.length; j++) {
                    float scale = Math.max(1, Math.abs(b[j]));
                    assertEquals(b[j], a[j], TOLERANCE * scale, "output " + i + " [" + j + "]");
                }
            }
        }
    }

    private static Outcome run(long[] shape, boolean training, boolean fused) {
        Random random = new Random(11);
        long size = 1;
        for (long dimension : shape) {
            size *= dimension;
        }
        int units = (int) shape[shape.length - 1];
        float[] input = values(random, (int) size, 3f, 2f);
        float[] weights = values(random, (int) size, 1f, 0f);
        try (Graph graph = new Graph(); Session session = new Session(graph)) {
            Ops tf = Ops.create(graph);
            Ops init = tf.withInitScope();
            Placeholder<TFloat32> x = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(shape)));
            Variable<TFloat32> gamma = variable(init, values(random, units, 0.5f, 1f));
            Variable<TFloat32> beta = variable(init, values(random, units, 0.5f, 0f));
            Variable<TFloat32> movingMean = variable(init, values(random, units, 1f, 0.5f));
            Variable<TFloat32> movingVariance = variable(init, values(random, units, 0.5f, 1.5f));
            List<Op> updates = new ArrayList<>();
            Network.Mode mode = training ? new Network.Mode(1L, updates) : Network.Mode.INFERENCE;
            Operand<TFloat32> y = fused ? Network.batchNorm(tf, x, gamma, beta, movingMean, movingVariance, mode)
                : composed(tf, x, gamma, beta, movingMean, movingVariance, mode);
            session.initialize();
            Session.Runner runner = session.runner().fetch(y);
            if (training) {
                Operand<TFloat32> loss = tf.reduceSum(tf.math.mul(y, constant(tf, shape, weights)),
                    tf.range(tf.constant(0), tf.constant(shape.length), tf.constant(1)));
                Gradients gradients = tf.gradients(loss, List.of(x, gamma, beta));
                for (int i = 0; i < 3; i++) {
                    runner.fetch(gradients.<TFloat32>dy(i));
                }
                updates.forEach(runner::addTarget);
            }
            List<float[]> values = new ArrayList<>();
            try (TFloat32 in = TFloat32.tensorOf(Shape.of(shape), DataBuffers.of(input, true, false));
                Result result = runner.feed(x, in).run()) {
                for (int i = 0; i < result.size(); i++) {
                    values.add(copy((TFloat32) result.get(i)));
                }
            }
            if (training) {
                try (Result averages = session.runner().fetch(movingMean).fetch(movingVariance).run()) {
                    values.add(copy((TFloat32) averages.get(0)));
                    values.add(copy((TFloat32) averages.get(1)));
                }
                assertEquals(2, updates.size(), "one update per moving average");
                assertEquals(fused, hasOp(graph, "FusedBatchNormV3"), "fused graph uses FusedBatchNormV3");
            }
            return new Outcome(values);
        }
    }

    /** Batch normalisation from primitive ops, as Network built it before the fused kernel. */
    private static Operand<TFloat32> composed(Ops tf, Operand<TFloat32> y, Operand<TFloat32> gamma, Operand<TFloat32> beta,
        Operand<TFloat32> movingMean, Operand<TFloat32> movingVariance, Network.Mode mode) {
        int[] axes = y.shape().numDimensions() == 2 ? new int[] {0} : new int[] {0, 1, 2};
        Operand<TFloat32> mean;
        Operand<TFloat32> variance;
        if (mode.training()) {
            mean = tf.math.mean(y, tf.constant(axes));
            variance = tf.math.mean(tf.math.square(tf.math.sub(y, mean)), tf.constant(axes));
            mode.updates().add(tf.assign(movingMean, average(tf, movingMean, mean)));
            mode.updates().add(tf.assign(movingVariance, average(tf, movingVariance, variance)));
        } else {
            mean = movingMean;
            variance = movingVariance;
        }
        Operand<TFloat32> scale = tf.math.mul(tf.math.rsqrt(tf.math.add(variance, tf.constant(Network.BN_EPSILON))), gamma);
        return tf.math.add(tf.math.mul(tf.math.sub(y, mean), scale), beta);
    }

    private static Operand<TFloat32> average(Ops tf, Operand<TFloat32> average, Operand<TFloat32> value) {
        return tf.math.add(tf.math.mul(average, tf.constant(Network.BN_MOMENTUM)),
            tf.math.mul(value, tf.constant(1 - Network.BN_MOMENTUM)));
    }

    private static boolean hasOp(Graph graph, String type) {
        var operations = graph.operations();
        while (operations.hasNext()) {
            if (((GraphOperation) operations.next()).type().equals(type)) {
                return true;
            }
        }
        return false;
    }

    private static Variable<TFloat32> variable(Ops init, float[] values) {
        return init.variable(init.constant(Shape.of(values.length), DataBuffers.of(values, true, false)));
    }

    private static Operand<TFloat32> constant(Ops tf, long[] shape, float[] values) {
        return tf.constant(Shape.of(shape), DataBuffers.of(values, true, false));
    }

    private static float[] values(Random random, int size, float spread, float centre) {
        float[] values = new float[size];
        for (int i = 0; i < size; i++) {
            values[i] = centre + (float) random.nextGaussian() * spread;
        }
        return values;
    }

    private static float[] copy(TFloat32 tensor) {
        float[] value = new float[(int) tensor.shape().size()];
        tensor.copyTo(DataBuffers.of(value, false, false));
        return value;
    }
}
