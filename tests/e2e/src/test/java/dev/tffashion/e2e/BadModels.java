package dev.tffashion.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import dev.tffashion.pipeline.Json;
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
import org.tensorflow.types.TFloat32;

/**
 * SavedModels a broken learn could publish, exported with TensorFlow Java (as services/serve-manager's TestModels does): each is
 * a valid SavedModel that TF Serving loads, with evaluation samples in learn's format, but a signature tf-fashion cannot use.
 */
public final class BadModels {

    private static final int PIXELS = 28 * 28;
    private static final int SAMPLES = 5;

    private BadModels() {
    }

    /** Signature {@code serving_default}, input {@code images} float32 [-1,5] (not a picture), output 10 probabilities. */
    public static Path wrongInputShape(Path dir) throws IOException {
        export(dir, "serving_default", Shape.of(-1, 5), 5, 10);
        writeSamples(dir, null);
        return dir;
    }

    /** A right-shaped classifier whose only signature is {@code classify}: no {@code serving_default}. */
    public static Path noServingDefault(Path dir) throws IOException {
        export(dir, "classify", Shape.of(-1, 28, 28), PIXELS, 10);
        writeSamples(dir, null);
        return dir;
    }

    /** Input [-1,28,28] as expected, but 3 output probabilities per picture, not 10; its samples agree with what it answers. */
    public static Path threeClasses(Path dir) throws IOException {
        export(dir, "serving_default", Shape.of(-1, 28, 28), PIXELS, 3);
        writeSamples(dir, inProcess(dir, images()));
        return dir;
    }

    private static void export(Path dir, String key, Shape input, int inputs, int classes) throws IOException {
        var random = new Random(inputs * 31L + classes);
        float[] weights = new float[inputs * classes];
        for (int i = 0; i < weights.length; i++) {
            weights[i] = (random.nextFloat() - 0.5f) * 0.4f;
        }
        try (var graph = new Graph()) {
            var tf = Ops.create(graph);
            var images = tf.withName("images").placeholder(TFloat32.class, Placeholder.shape(input));
            var init = tf.withInitScope();
            var w = init.withName("weights").variable(init.constant(Shape.of(inputs, classes), DataBuffers.of(weights)));
            var probabilities = tf.withName("probabilities").nn.softmax(
                tf.linalg.matMul(tf.reshape(images, tf.constant(new long[] {-1, inputs})), w));
            try (var session = new Session(graph)) {
                session.initialize();
                SavedModelBundle.exporter(dir.toString()).withTags("serve").withSession(session)
                    .withSignature(Signature.builder().key(key).methodName("tensorflow/serving/predict")
                        .input("images", images).output("probabilities", probabilities).build())
                    .export();
            }
        }
    }

    private static float[] images() {
        var random = new Random(5);
        float[] pixels = new float[SAMPLES * PIXELS];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = random.nextInt(256) / 255f;
        }
        return pixels;
    }

    private static float[][] inProcess(Path dir, float[] pixels) {
        try (var bundle = SavedModelBundle.load(dir.toString(), "serve");
            var input = TFloat32.tensorOf(Shape.of(SAMPLES, 28, 28), DataBuffers.of(pixels));
            Result result = bundle.function("serving_default").call(Map.<String, Tensor>of("images", input))) {
            var output = (TFloat32) result.get("probabilities").orElseThrow();
            int width = (int) output.shape().get(1);
            float[][] rows = new float[SAMPLES][width];
            for (int i = 0; i < SAMPLES; i++) {
                for (int c = 0; c < width; c++) {
                    rows[i][c] = output.getFloat(i, c);
                }
            }
            return rows;
        }
    }

    /** Evaluation samples as learn writes them; probabilities uniform over 10 classes unless given. */
    private static void writeSamples(Path dir, float[][] probabilities) throws IOException {
        float[] pixels = images();
        List<Map<String, Object>> samples = new ArrayList<>();
        for (int i = 0; i < SAMPLES; i++) {
            Map<String, Object> sample = new LinkedHashMap<>();
            sample.put("testIndex", i);
            sample.put("label", i);
            int[] raw = new int[PIXELS];
            for (int p = 0; p < PIXELS; p++) {
                raw[p] = Math.round(pixels[i * PIXELS + p] * 255f);
            }
            sample.put("pixels", raw);
            float[] uniform = new float[10];
            java.util.Arrays.fill(uniform, 0.1f);
            sample.put("probabilities", probabilities == null ? uniform : probabilities[i]);
            samples.add(sample);
        }
        Files.createDirectories(dir.resolve("assets.extra"));
        Files.write(dir.resolve("assets.extra/evaluation_samples.json"), Json.toBytes(Map.of("signature", "serving_default",
            "input", "images", "output", "probabilities", "samples", samples)));
    }
}
