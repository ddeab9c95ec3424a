package dev.tffashion.modelserver;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
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
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.TensorProto;
import org.tensorflow.proto.TensorShapeProto;
import org.tensorflow.types.TFloat32;

/** Builds tiny Fashion-MNIST-shaped SavedModels (images [-1,28,28] -> probabilities [-1,10]) and their expected outputs. */
final class TinyModels {

    static final int PIXELS = 28 * 28;
    static final int CLASSES = 10;

    private TinyModels() {
    }

    /** Exports a SavedModel whose weights depend on the seed into dir (which must not exist), its MetaGraph tagged "serve". */
    static void export(Path dir, long seed) throws Exception {
        export(dir, seed, "serve");
    }

    /** The same, its MetaGraph tagged with {@code tags}. */
    static void export(Path dir, long seed, String... tags) throws Exception {
        Random random = new Random(seed);
        float[] weights = new float[PIXELS * CLASSES];
        for (int i = 0; i < weights.length; i++) {
            weights[i] = (random.nextFloat() - 0.5f) * 0.2f;
        }
        float[] bias = new float[CLASSES];
        for (int i = 0; i < bias.length; i++) {
            bias[i] = (random.nextFloat() - 0.5f) * 0.1f;
        }
        try (Graph graph = new Graph()) {
            Ops tf = Ops.create(graph);
            Placeholder<TFloat32> images = tf.withName("images").placeholder(TFloat32.class,
                Placeholder.shape(Shape.of(-1, 28, 28)));
            Ops init = tf.withInitScope();
            Variable<TFloat32> w = init.withName("weights").variable(init.constant(Shape.of(PIXELS, CLASSES), DataBuffers.of(weights)));
            Variable<TFloat32> b = init.withName("bias").variable(init.constant(Shape.of(CLASSES), DataBuffers.of(bias)));
            Softmax<TFloat32> probabilities = tf.withName("probabilities").nn.softmax(
                tf.math.add(tf.linalg.matMul(tf.reshape(images, tf.constant(new long[] {-1, PIXELS})), w), b));
            try (Session session = new Session(graph)) {
                session.initialize();
                SavedModelBundle.exporter(dir.toString())
                    .withTags(tags)
                    .withSession(session)
                    .withSignature(Signature.builder()
                        .key("serving_default")
                        .methodName("tensorflow/serving/predict")
                        .input("images", images)
                        .output("probabilities", probabilities)
                        .build())
                    .export();
            }
        }
    }

    /** Exports into a hidden sibling folder first, then renames it into place as the serve-manager does. */
    static void exportAtomically(Path base, long version, long seed) throws Exception {
        Path incoming = base.resolve(".incoming-" + version);
        export(incoming, seed);
        Files.move(incoming, base.resolve(Long.toString(version)), StandardCopyOption.ATOMIC_MOVE);
    }

    /** n deterministic images in [0,1], flattened. */
    static float[] images(int n, long seed) {
        Random random = new Random(seed);
        float[] pixels = new float[n * PIXELS];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = random.nextFloat();
        }
        return pixels;
    }

    static TensorProto imagesProto(float[] pixels) {
        TensorProto.Builder proto = TensorProto.newBuilder()
            .setDtype(DataType.DT_FLOAT)
            .setTensorShape(TensorShapeProto.newBuilder()
                .addDim(TensorShapeProto.Dim.newBuilder().setSize(pixels.length / PIXELS))
                .addDim(TensorShapeProto.Dim.newBuilder().setSize(28))
                .addDim(TensorShapeProto.Dim.newBuilder().setSize(28)));
        for (float p : pixels) {
            proto.addFloatVal(p);
        }
        return proto.build();
    }

    /** The probabilities the SavedModel computes in process, flattened [n,10]. */
    static float[] inProcess(Path dir, float[] pixels) {
        int n = pixels.length / PIXELS;
        try (SavedModelBundle bundle = SavedModelBundle.load(dir.toString(), "serve");
             TFloat32 input = TFloat32.tensorOf(Shape.of(n, 28, 28), DataBuffers.of(pixels));
             Result result = bundle.function("serving_default").call(Map.<String, Tensor>of("images", input))) {
            TFloat32 output = (TFloat32) result.get("probabilities").orElseThrow();
            float[] values = new float[n * CLASSES];
            output.asRawTensor().data().asFloats().read(values);
            return values;
        }
    }
}
