package dev.tffashion.servemanager;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
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

import dev.tffashion.pipeline.AnnotatedValue;
import dev.tffashion.pipeline.Json;
import dev.tffashion.pipeline.ValueIds;
import dev.tffashion.pipeline.store.ContentRef;
import dev.tffashion.pipeline.store.ContentStore;
import dev.tffashion.pipeline.store.Contents;

/**
 * Builds small Fashion-MNIST-shaped SavedModels with TensorFlow Java (input {@code images} float32 [-1,28,28], output
 * {@code probabilities} [-1,10], signature serving_default) with their evaluation samples, as services/learn exports them.
 */
final class TestModels {

    static final int PIXELS = 28 * 28;
    static final int CLASSES = 10;

    private TestModels() {
    }

    /** How the evaluation samples are written. */
    enum Samples {
        /** As services/learn writes them: {"samples": [{"testIndex", "label", "pixels": [784 ints 0..255], "probabilities"}]}. */
        LEARN,
        /** A top-level array, each "image" as 28 rows of 28 values in [0,1]. */
        NESTED,
        /** A top-level array, each "image" as 784 values in [0,1]. */
        FLAT
    }

    /** Exports a softmax-regression SavedModel whose weights depend on the seed, plus 20 evaluation samples. */
    static Path export(Path dir, long seed, Samples format) throws IOException {
        return export(dir, seed, format, CLASSES);
    }

    /**
     * Exports a softmax-regression SavedModel with {@code classes} outputs per image (10 for Fashion-MNIST; another number makes a
     * model of the wrong signature), plus 20 evaluation samples that agree with it.
     */
    static Path export(Path dir, long seed, Samples format, int classes) throws IOException {
        Random random = new Random(seed);
        float[] weights = new float[PIXELS * classes];
        for (int i = 0; i < weights.length; i++) {
            weights[i] = (random.nextFloat() - 0.5f) * 0.4f;
        }
        float[] bias = new float[classes];
        for (int i = 0; i < bias.length; i++) {
            bias[i] = (random.nextFloat() - 0.5f) * 0.2f;
        }
        try (Graph graph = new Graph()) {
            Ops tf = Ops.create(graph);
            Placeholder<TFloat32> images = tf.withName("images").placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, 28, 28)));
            Ops init = tf.withInitScope();
            Variable<TFloat32> w = init.withName("weights").variable(init.constant(Shape.of(PIXELS, classes), DataBuffers.of(weights)));
            Variable<TFloat32> b = init.withName("bias").variable(init.constant(Shape.of(classes), DataBuffers.of(bias)));
            Softmax<TFloat32> probabilities = tf.withName("probabilities").nn.softmax(
                    tf.math.add(tf.linalg.matMul(tf.reshape(images, tf.constant(new long[] {-1, PIXELS})), w), b));
            try (Session session = new Session(graph)) {
                session.initialize();
                SavedModelBundle.exporter(dir.toString()).withTags("serve").withSession(session)
                        .withSignature(Signature.builder().key("serving_default").methodName("tensorflow/serving/predict")
                                .input("images", images).output("probabilities", probabilities).build())
                        .export();
            }
        }
        writeSamples(dir, seed, format, 0f);
        return dir;
    }

    /** Writes 20 evaluation samples computed in process; a non-zero skew makes the expected probabilities wrong. */
    static void writeSamples(Path dir, long seed, Samples format, float skew) throws IOException {
        int n = 20;
        float[] pixels = images(n, seed + 1000);
        float[][] expected = inProcess(dir, pixels);
        List<Map<String, Object>> samples = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Map<String, Object> sample = new LinkedHashMap<>();
            sample.put(format == Samples.LEARN ? "testIndex" : "index", i);
            sample.put("label", i % CLASSES);
            float[] flat = new float[PIXELS];
            System.arraycopy(pixels, i * PIXELS, flat, 0, PIXELS);
            if (format == Samples.LEARN) {
                int[] raw = new int[PIXELS];
                for (int p = 0; p < PIXELS; p++) {
                    raw[p] = Math.round(flat[p] * 255f);
                }
                sample.put("pixels", raw);
            } else if (format == Samples.NESTED) {
                float[][] rows = new float[28][28];
                for (int r = 0; r < 28; r++) {
                    System.arraycopy(flat, r * 28, rows[r], 0, 28);
                }
                sample.put("image", rows);
            } else {
                sample.put("image", flat);
            }
            float[] probabilities = expected[i].clone();
            probabilities[0] += skew;
            sample.put("probabilities", probabilities);
            samples.add(sample);
        }
        Files.createDirectories(dir.resolve("assets.extra"));
        Files.write(dir.resolve(EvaluationSamples.PATH), Json.toBytes(format == Samples.LEARN
                ? Map.of("signature", "serving_default", "input", "images", "output", "probabilities", "samples", samples) : samples));
    }

    /** n deterministic images of raw pixels scaled to [0,1] ({@code k / 255f}), flattened. */
    static float[] images(int n, long seed) {
        Random random = new Random(seed);
        float[] pixels = new float[n * PIXELS];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = random.nextInt(256) / 255f;
        }
        return pixels;
    }

    /** The probabilities the SavedModel gives in process, one row per image. */
    static float[][] inProcess(Path dir, float[] pixels) {
        int n = pixels.length / PIXELS;
        try (SavedModelBundle bundle = SavedModelBundle.load(dir.toString(), "serve");
             TFloat32 input = TFloat32.tensorOf(Shape.of(n, 28, 28), DataBuffers.of(pixels));
             Result result = bundle.function("serving_default").call(Map.<String, Tensor>of("images", input))) {
            TFloat32 output = (TFloat32) result.get("probabilities").orElseThrow();
            int classes = (int) output.shape().get(1);
            float[] flat = new float[n * classes];
            output.asRawTensor().data().asFloats().read(flat);
            float[][] rows = new float[n][classes];
            for (int i = 0; i < n; i++) {
                System.arraycopy(flat, i * classes, rows[i], 0, classes);
            }
            return rows;
        }
    }

    /** A learn.model value for a directory tarred into the store. */
    static AnnotatedValue modelValue(ContentStore store, Path dir, String accuracy) {
        ContentRef ref = Contents.storeDirectory(store, dir);
        return modelValue(ref, accuracy);
    }

    /** A learn.model value for stored content. */
    static AnnotatedValue modelValue(ContentRef ref, String accuracy) {
        return AnnotatedValue.builder().id(ValueIds.random()).pipeline("tf-fashion").task("learn").output("model").type("modelFile")
                .content(ref).sourceInput("script", ValueIds.random()).annotation("testAccuracy", accuracy).build();
    }
}
