package dev.tffashion.learn.training;

import dev.tffashion.fashionmnist.FashionMnist;
import dev.tffashion.fashionmnist.Split;
import dev.tffashion.learn.EpochSummary;
import dev.tffashion.learn.ModelKind;
import dev.tffashion.learn.ProgressListener;
import dev.tffashion.learn.Recipe;
import dev.tffashion.learn.TrainingProgress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.SplittableRandom;
import java.util.concurrent.CancellationException;
import org.jboss.logging.Logger;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * Trains a recipe's network on Fashion-MNIST with TensorFlow Java in graph mode: one-hot labels, softmax cross-entropy,
 * Adam with the recipe's learning rate decaying along a cosine to zero over the run. Deterministic from the recipe's seed:
 * initial weights and the shuffling come from Java generators seeded by it, dropout from TensorFlow ops seeded by it, and
 * the same recipe on the same machine repeats bit for bit (a test checks it). Interrupting the thread cancels the run.
 */
public final class Trainer {

    private static final Logger LOG = Logger.getLogger(Trainer.class);

    private final ProgressListener listener;
    private final Duration progressInterval;
    private final int threads;

    /** A trainer using TensorFlow's default thread pools (one thread per core). */
    public Trainer(ProgressListener listener, Duration progressInterval) {
        this(listener, progressInterval, 0);
    }

    /**
     * @param listener receives progress at every epoch end and at most every {@code progressInterval} in between
     * @param threads  TensorFlow's intra- and inter-op threads (per session); 0 for its default (one per core)
     */
    public Trainer(ProgressListener listener, Duration progressInterval, int threads) {
        this.listener = listener;
        this.progressInterval = progressInterval;
        this.threads = threads;
    }

    /** Trains {@code recipe} on the training split of {@code data}; returns the trained parameters. */
    public TrainingRun train(Recipe recipe, FashionMnist data) {
        TensorFlowRuntime.load();
        Split train = data.train().limit(recipe.maxTrainExamples().orElse(Integer.MAX_VALUE));
        ModelKind kind = recipe.model();
        ConfigProto.Builder config = ConfigProto.newBuilder();
        if (threads > 0) {
            config.setIntraOpParallelismThreads(threads).setInterOpParallelismThreads(threads).setUsePerSessionThreads(true);
        }
        try (Graph graph = new Graph(); Session session = new Session(graph, config.build())) {
            Ops tf = Ops.create(graph);
            Ops init = tf.withInitScope();
            Placeholder<TFloat32> images = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, 28, 28)));
            Placeholder<TInt32> labels = tf.placeholder(TInt32.class, Placeholder.shape(Shape.of(-1)));
            SplittableRandom weights = new SplittableRandom(recipe.seed());
            Map<String, Operand<TFloat32>> params = new LinkedHashMap<>();
            Map<String, Variable<TFloat32>> variables = new LinkedHashMap<>();
            for (Network.Parameter parameter : Network.parameters(kind)) {
                Variable<TFloat32> variable = init.variable(
                    init.constant(parameter.tfShape(), DataBuffers.of(parameter.initialValues(weights), true, false)));
                params.put(parameter.name(), variable);
                variables.put(parameter.name(), variable);
            }
            Operand<TFloat32> logits = Network.logits(tf, kind, images, params, recipe.seed());
            Operand<TFloat32> oneHot = tf.oneHot(labels, tf.constant(FashionMnist.CLASSES), tf.constant(1f), tf.constant(0f));
            Operand<TFloat32> loss = tf.math.mean(tf.nn.softmaxCrossEntropyWithLogits(logits, oneHot).loss(), tf.constant(0));
            Operand<TFloat32> accuracy = tf.math.mean(tf.dtypes.cast(
                tf.math.equal(tf.math.argMax(logits, tf.constant(1), TInt32.class), labels), TFloat32.class), tf.constant(0));
            AdamOptimizer adam = AdamOptimizer.minimize(tf, loss, List.copyOf(variables.values()));
            session.initialize();

            return loop(recipe, train, session, images, labels, adam, loss, accuracy, variables);
        }
    }

    private TrainingRun loop(Recipe recipe, Split train, Session session, Placeholder<TFloat32> images, Placeholder<TInt32> labels,
        AdamOptimizer adam, Operand<TFloat32> loss, Operand<TFloat32> accuracy, Map<String, Variable<TFloat32>> variables) {
        int count = train.count();
        int batchSize = Math.min(recipe.batchSize(), count);
        int stepsPerEpoch = (count + batchSize - 1) / batchSize;
        long totalSteps = (long) stepsPerEpoch * recipe.epochs();
        int[] order = new int[count];
        for (int i = 0; i < count; i++) {
            order[i] = i;
        }
        Random shuffle = new Random(recipe.seed());
        float[] batchImages = new float[batchSize * FashionMnist.PIXELS];
        int[] batchLabels = new int[batchSize];
        LOG.infof("training %s on %d examples: %d epochs of %d steps (batch %d, learning rate %s, seed %d)", recipe.model().id(),
            count, recipe.epochs(), stepsPerEpoch, batchSize, recipe.learningRate(), recipe.seed());

        List<EpochSummary> history = new ArrayList<>();
        long started = System.nanoTime();
        long lastReport = started;
        long step = 0;
        double epochLoss = 0;
        double epochAccuracy = 0;
        for (int epoch = 1; epoch <= recipe.epochs(); epoch++) {
            shuffle(order, shuffle);
            double lossSum = 0;
            double accuracySum = 0;
            int seen = 0;
            for (int s = 0; s < stepsPerEpoch; s++) {
                if (Thread.currentThread().isInterrupted()) {
                    throw new CancellationException("training cancelled at epoch " + epoch + ", step " + step);
                }
                int from = s * batchSize;
                int size = Math.min(batchSize, count - from);
                for (int b = 0; b < size; b++) {
                    train.copyImage(order[from + b], batchImages, b * FashionMnist.PIXELS);
                    batchLabels[b] = train.label(order[from + b]);
                }
                try (TFloat32 x = TFloat32.tensorOf(Shape.of(size, 28, 28),
                        DataBuffers.of(batchImages, true, false).narrow((long) size * FashionMnist.PIXELS));
                    TInt32 y = TInt32.tensorOf(Shape.of(size), DataBuffers.of(batchLabels, true, false).narrow(size));
                    Scalars scalars = new Scalars()) {
                    Session.Runner runner = session.runner().feed(images, x).feed(labels, y).fetch(loss).fetch(accuracy);
                    scalars.addAll(adam.feed(runner, step + 1, learningRate(recipe, step, totalSteps)));
                    try (Result result = runner.run()) {
                        lossSum += ((TFloat32) result.get(0)).getFloat() * size;
                        accuracySum += ((TFloat32) result.get(1)).getFloat() * size;
                    }
                }
                seen += size;
                step++;
                epochLoss = lossSum / seen;
                epochAccuracy = accuracySum / seen;
                long now = System.nanoTime();
                boolean epochEnd = s == stepsPerEpoch - 1;
                if (epochEnd) {
                    history.add(new EpochSummary(epoch, epochLoss, epochAccuracy, (now - started) / 1e9));
                }
                if (epochEnd || now - lastReport >= progressInterval.toNanos()) {
                    lastReport = now;
                    report(recipe, epoch, step, totalSteps, epochLoss, epochAccuracy, now - started, epochEnd);
                }
            }
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        LOG.infof("trained %s in %.1f s (%.0f examples/s): last epoch loss %.4f, accuracy %.4f", recipe.model().id(), seconds,
            (double) count * recipe.epochs() / seconds, epochLoss, epochAccuracy);
        return new TrainingRun(recipe, read(recipe.model(), session, variables), count, step, seconds, epochLoss, epochAccuracy,
            List.copyOf(history));
    }

    private void report(Recipe recipe, int epoch, long step, long totalSteps, double loss, double accuracy, long elapsedNanos,
        boolean epochEnd) {
        Duration elapsed = Duration.ofNanos(elapsedNanos);
        Duration eta = Duration.ofNanos((long) ((double) elapsedNanos / step * (totalSteps - step)));
        TrainingProgress progress = new TrainingProgress(epoch, recipe.epochs(), step, totalSteps, loss, accuracy, elapsed, eta,
            epochEnd);
        if (epochEnd) {
            LOG.infof("%s: %s", recipe.model().id(), progress);
        }
        try {
            listener.onProgress(progress);
        } catch (RuntimeException e) {
            LOG.warnf(e, "progress listener failed; training goes on");
        }
    }

    /** Cosine decay from the recipe's rate (the peak) towards zero over the run. */
    static float learningRate(Recipe recipe, long step, long totalSteps) {
        return (float) (recipe.learningRate() * 0.5 * (1 + Math.cos(Math.PI * step / totalSteps)));
    }

    /** Scalars fed to one step, closed together. */
    private static final class Scalars extends ArrayList<TFloat32> implements AutoCloseable {
        private static final long serialVersionUID = 1L;

        @Override
        public void close() {
            forEach(TFloat32::close);
        }
    }

    private static void shuffle(int[] order, Random random) {
        for (int i = order.length - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int swap = order[i];
            order[i] = order[j];
            order[j] = swap;
        }
    }

    private static TrainedParameters read(ModelKind kind, Session session, Map<String, Variable<TFloat32>> variables) {
        Map<String, float[]> values = new LinkedHashMap<>();
        Session.Runner runner = session.runner();
        variables.values().forEach(runner::fetch);
        try (Result result = runner.run()) {
            int i = 0;
            for (Map.Entry<String, Variable<TFloat32>> entry : variables.entrySet()) {
                TFloat32 tensor = (TFloat32) result.get(i++);
                float[] value = new float[(int) tensor.shape().size()];
                tensor.copyTo(DataBuffers.of(value, false, false));
                values.put(entry.getKey(), value);
            }
        }
        return new TrainedParameters(kind, values);
    }
}
