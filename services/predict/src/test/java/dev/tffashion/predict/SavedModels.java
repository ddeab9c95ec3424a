package dev.tffashion.predict;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;

import org.tensorflow.Graph;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.Signature;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.Variable;
import org.tensorflow.op.nn.Softmax;
import org.tensorflow.types.TFloat32;

/**
 * Small Fashion-MNIST-shaped classifiers exported as real SavedModels with TensorFlow Java (a softmax layer over seeded weights):
 * the tf-fashion recipe's signature ({@code images [-1,28,28] -> probabilities [-1,10]}) and Koalja's script's
 * ({@code input_image [-1,784] -> dense_1 [-1,10]}), and their in-process inference to compare predictions with.
 */
public final class SavedModels {

    /** A model's signature: input name and shape, output name. */
    public record Spec(String input, long[] inputShape, String output) {
    }

    /** tf-fashion's own recipe models. */
    public static final Spec RECIPE = new Spec("images", new long[] {-1, 28, 28}, "probabilities");
    /** Koalja's learn_script.py export. */
    public static final Spec KOALJA = new Spec("input_image", new long[] {-1, 784}, "dense_1");

    private static final int PIXELS = 784;
    private static final int CLASSES = 10;

    private SavedModels() {
    }

    /** Exports the model into dir (which must not exist yet). */
    public static void export(Path dir, Spec spec, long seed) throws IOException {
        Random random = new Random(seed);
        float[] weights = new float[PIXELS * CLASSES];
        for (int i = 0; i < weights.length; i++) {
            weights[i] = (random.nextFloat() - 0.5f) * 0.4f;
        }
        float[] bias = new float[CLASSES];
        for (int i = 0; i < bias.length; i++) {
            bias[i] = (random.nextFloat() - 0.5f) * 0.2f;
        }
        try (Graph graph = new Graph()) {
            Ops tf = Ops.create(graph);
            Placeholder<TFloat32> input = tf.withName(spec.input()).placeholder(TFloat32.class,
                Placeholder.shape(Shape.of(spec.inputShape())));
            Ops init = tf.withInitScope();
            Variable<TFloat32> w = init.withName("weights").variable(init.constant(Shape.of(PIXELS, CLASSES), DataBuffers.of(weights)));
            Variable<TFloat32> b = init.withName("bias").variable(init.constant(Shape.of(CLASSES), DataBuffers.of(bias)));
            Softmax<TFloat32> probabilities = tf.withName(spec.output()).nn.softmax(
                tf.math.add(tf.linalg.matMul(tf.reshape(input, tf.constant(new long[] {-1, PIXELS})), w), b));
            try (Session session = new Session(graph)) {
                session.initialize();
                SavedModelBundle.exporter(dir.toString())
                    .withTags("serve")
                    .withSession(session)
                    .withSignature(Signature.builder()
                        .key("serving_default")
                        .methodName("tensorflow/serving/predict")
                        .input(spec.input(), input)
                        .output(spec.output(), probabilities)
                        .build())
                    .export();
            }
        }
    }

    /** Loads a SavedModel for in-process inference; close it when done. */
    public static SavedModelBundle load(Path dir) {
        return SavedModelBundle.load(dir.toString(), "serve");
    }

    /** The probabilities the SavedModel computes in this process for one 28x28 picture. */
    public static float[] inProcess(SavedModelBundle bundle, Spec spec, float[] pixels) {
        long[] shape = spec.inputShape().clone();
        shape[0] = 1;
        try (TFloat32 input = TFloat32.tensorOf(Shape.of(shape), DataBuffers.of(pixels));
             Result result = bundle.function("serving_default").call(Map.<String, Tensor>of(spec.input(), input))) {
            TFloat32 output = (TFloat32) result.get(spec.output()).orElseThrow();
            float[] values = new float[CLASSES];
            output.asRawTensor().data().asFloats().read(values);
            return values;
        }
    }
}
