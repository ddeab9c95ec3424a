package dev.tffashion.learn.training;

import dev.tffashion.fashionmnist.FashionMnist;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.Signature;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Assign;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;

/**
 * The slim inference graph of a trained network: input {@code images} float32 {@code [-1,28,28]} in [0,1], output
 * {@code probabilities} {@code [-1,10]} (softmax), the trained parameters as variables, no optimizer state. Exports
 * itself as a SavedModel (tag {@code serve}, signature {@code serving_default}, method {@code tensorflow/serving/predict}).
 */
public final class InferenceModel implements AutoCloseable {

    /** The signature's key. */
    public static final String SIGNATURE = Signature.DEFAULT_KEY;
    /** The signature's method name, as TensorFlow Serving's Predict API expects. */
    public static final String METHOD_NAME = "tensorflow/serving/predict";
    /** The SavedModel tag. */
    public static final String TAG = SavedModelBundle.DEFAULT_TAG;
    /** The input's name in the signature. */
    public static final String INPUT = "images";
    /** The output's name in the signature. */
    public static final String OUTPUT = "probabilities";

    private final Graph graph;
    private final Session session;
    private final Placeholder<TFloat32> images;
    private final Operand<TFloat32> probabilities;

    private InferenceModel(Graph graph, Session session, Placeholder<TFloat32> images, Operand<TFloat32> probabilities) {
        this.graph = graph;
        this.session = session;
        this.images = images;
        this.probabilities = probabilities;
    }

    /** Builds the inference graph and loads the trained values into its variables. */
    public static InferenceModel of(TrainedParameters trained) {
        TensorFlowRuntime.load();
        Graph graph = new Graph();
        try {
            Ops tf = Ops.create(graph);
            Placeholder<TFloat32> images = tf.withName(INPUT).placeholder(TFloat32.class,
                Placeholder.shape(Shape.of(-1, FashionMnist.IMAGE_SIZE, FashionMnist.IMAGE_SIZE)));
            Map<String, Operand<TFloat32>> params = new LinkedHashMap<>();
            Map<Placeholder<TFloat32>, Assign<TFloat32>> loads = new LinkedHashMap<>();
            Map<Placeholder<TFloat32>, Network.Parameter> specs = new LinkedHashMap<>();
            for (Network.Parameter parameter : Network.parameters(trained.architecture())) {
                Variable<TFloat32> variable = tf.withName(parameter.name()).variable(parameter.tfShape(), TFloat32.class);
                Placeholder<TFloat32> value = tf.withName(parameter.name() + "_value")
                    .placeholder(TFloat32.class, Placeholder.shape(parameter.tfShape()));
                loads.put(value, tf.withName(parameter.name() + "_load").assign(variable, value));
                specs.put(value, parameter);
                params.put(parameter.name(), variable);
            }
            Operand<TFloat32> logits = Network.logits(tf, trained.architecture(), images, params, Network.Mode.INFERENCE);
            Operand<TFloat32> probabilities = tf.withName(OUTPUT).nn.softmax(logits);
            Session session = new Session(graph);
            Session.Runner runner = session.runner();
            Map<Placeholder<TFloat32>, TFloat32> tensors = new LinkedHashMap<>();
            try {
                for (Map.Entry<Placeholder<TFloat32>, Network.Parameter> entry : specs.entrySet()) {
                    float[] value = trained.values().get(entry.getValue().name());
                    TFloat32 tensor = TFloat32.tensorOf(entry.getValue().tfShape(), DataBuffers.of(value, true, false));
                    tensors.put(entry.getKey(), tensor);
                    runner.feed(entry.getKey(), tensor).addTarget(loads.get(entry.getKey()));
                }
                runner.run().close();
            } finally {
                tensors.values().forEach(TFloat32::close);
            }
            return new InferenceModel(graph, session, images, probabilities);
        } catch (RuntimeException e) {
            graph.close();
            throw e;
        }
    }

    /** Writes the SavedModel ({@code saved_model.pb}, {@code variables/}) into {@code dir}. */
    public void export(Path dir) throws IOException {
        Signature signature = Signature.builder().key(SIGNATURE).methodName(METHOD_NAME)
            .input(INPUT, images).output(OUTPUT, probabilities).build();
        SavedModelBundle.exporter(dir.toString()).withTags(TAG).withSession(session).withSignature(signature).export();
    }

    /** Index of the largest of {@code length} values from {@code offset}. */
    public static int argMax(float[] values, int offset, int length) {
        int best = 0;
        for (int i = 1; i < length; i++) {
            if (values[offset + i] > values[offset + best]) {
                best = i;
            }
        }
        return best;
    }

    @Override
    public void close() {
        session.close();
        graph.close();
    }
}
