package dev.tffashion.learn.training;

import dev.tffashion.fashionmnist.FashionMnist;
import dev.tffashion.fashionmnist.Split;
import dev.tffashion.learn.EpochSummary;
import dev.tffashion.learn.ProgressListener;
import dev.tffashion.learn.Recipe;
import dev.tffashion.learn.TrainingProgress;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.Tracer;
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
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.Variable;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * Trains a recipe's network on Fashion-MNIST with TensorFlow Java in graph mode: one-hot labels, softmax cross-entropy,
 * Adam with the recipe's learning rate decaying along a cosine to zero over the run, the training images augmented on the
 * fly ({@link Augmenter}), and with a validation split the parameters of the best epoch kept (stopping early after
 * {@code patience} epochs without a better one). TensorFlow's intra- and inter-op threads: the recipe's, else one per
 * core the JVM may use. Deterministic from the recipe's seed:
 * initial weights and the shuffling come from Java generators seeded by it, dropout from TensorFlow ops seeded by it, and
 * the same recipe on the same machine repeats bit for bit (a test checks it). Interrupting the thread cancels the run.
 */
public final class Trainer {

    private static final Logger LOG = Logger.getLogger(Trainer.class);

    private static final AttributeKey<Long> EPOCH = AttributeKey.longKey("tffashion.epoch");
    private static final AttributeKey<Double> LOSS = AttributeKey.doubleKey("tffashion.loss");
    private static final AttributeKey<Double> ACCURACY = AttributeKey.doubleKey("tffashion.accuracy");
    private static final AttributeKey<Double> VALIDATION_ACCURACY = AttributeKey.doubleKey("tffashion.validation_accuracy");

    private final ProgressListener listener;
    private final Duration progressInterval;
    private final int threads;
    private final Tracer tracer;

    /** A trainer with the recipe's threads (by default one per available core). */
    public Trainer(ProgressListener listener, Duration progressInterval) {
        this(listener, progressInterval, 0);
    }

    /**
     * @param listener receives progress at every epoch end and at most every {@code progressInterval} in between
     * @param threads  most TensorFlow intra- and inter-op threads a training may use (per session); 0 for no limit
     */
    public Trainer(ProgressListener listener, Duration progressInterval, int threads) {
        this(listener, progressInterval, threads, OpenTelemetry.noop().getTracer(Trainer.class.getName()));
    }

    /**
     * A trainer that traces each epoch as a span, child of the span current when {@link #train} is called (the recipe's).
     *
     * @param tracer makes the epoch spans (a no-op tracer traces nothing)
     */
    public Trainer(ProgressListener listener, Duration progressInterval, int threads, Tracer tracer) {
        this.listener = listener;
        this.progressInterval = progressInterval;
        this.threads = threads;
        this.tracer = tracer;
    }

    /** Trains {@code recipe} on the training split of {@code data}; returns the trained parameters. */
    public TrainingRun train(Recipe recipe, FashionMnist data) {
        TensorFlowRuntime.load();
        Split train = data.train().limit(recipe.maxTrainExamples().orElse(Integer.MAX_VALUE));
        Architecture architecture = Architecture.of(recipe);
        int sessionThreads = threads(recipe, threads);
        ConfigProto config = ConfigProto.newBuilder().setIntraOpParallelismThreads(sessionThreads)
            .setInterOpParallelismThreads(sessionThreads).setUsePerSessionThreads(true).build();
        try (Graph graph = new Graph(); Session session = new Session(graph, config)) {
            Ops tf = Ops.create(graph);
            Ops init = tf.withInitScope();
            Placeholder<TFloat32> images = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, 28, 28)));
            Placeholder<TInt32> labels = tf.placeholder(TInt32.class, Placeholder.shape(Shape.of(-1)));
            SplittableRandom weights = new SplittableRandom(recipe.seed());
            Map<String, Variable<TFloat32>> variables = new LinkedHashMap<>();
            List<Variable<TFloat32>> trainable = new ArrayList<>();
            for (Network.Parameter parameter : Network.parameters(architecture)) {
                Variable<TFloat32> variable = init.variable(
                    init.constant(parameter.tfShape(), DataBuffers.of(parameter.initialValues(weights), true, false)));
                variables.put(parameter.name(), variable);
                if (parameter.trainable()) {
                    trainable.add(variable);
                }
            }
            List<Op> updates = new ArrayList<>();
            Operand<TFloat32> logits = Network.logits(tf, architecture, images, variables, new Network.Mode(recipe.seed(), updates));
            Operand<TFloat32> oneHot = tf.oneHot(labels, tf.constant(FashionMnist.CLASSES), tf.constant(1f), tf.constant(0f));
            Operand<TFloat32> loss = tf.math.mean(tf.nn.softmaxCrossEntropyWithLogits(logits, oneHot).loss(), tf.constant(0));
            Operand<TFloat32> accuracy = tf.math.mean(tf.dtypes.cast(
                tf.math.equal(tf.math.argMax(logits, tf.constant(1), TInt32.class), labels), TFloat32.class), tf.constant(0));
            AdamOptimizer adam = AdamOptimizer.minimize(tf, loss, trainable);
            Operand<TInt32> predictions = tf.math.argMax(Network.logits(tf, architecture, images, variables,
                Network.Mode.INFERENCE), tf.constant(1), TInt32.class);
            session.initialize();

            Graphs ops = new Graphs(session, images, labels, adam, loss, accuracy, updates, predictions, variables);
            return loop(recipe, architecture, train, ops, sessionThreads);
        }
    }

    /** TensorFlow's threads for a recipe: its own count, or one per available core; at most {@code limit} when that is set. */
    static int threads(Recipe recipe, int limit) {
        int wanted = recipe.threads() > 0 ? recipe.threads() : Runtime.getRuntime().availableProcessors();
        return limit > 0 ? Math.min(wanted, limit) : wanted;
    }

    /** The training graph's handles. */
    private record Graphs(Session session, Placeholder<TFloat32> images, Placeholder<TInt32> labels, AdamOptimizer adam,
        Operand<TFloat32> loss, Operand<TFloat32> accuracy, List<Op> updates, Operand<TInt32> predictions,
        Map<String, Variable<TFloat32>> variables) {
    }

    private TrainingRun loop(Recipe recipe, Architecture architecture, Split train, Graphs ops, int sessionThreads) {
        int[][] split = split(train.count(), recipe);
        int[] order = split[0];
        int[] validation = split[1];
        int count = order.length;
        int batchSize = Math.min(recipe.batchSize(), count);
        int stepsPerEpoch = (count + batchSize - 1) / batchSize;
        long totalSteps = (long) stepsPerEpoch * recipe.epochs();
        Random shuffle = new Random(recipe.seed());
        Augmenter augmenter = new Augmenter(recipe.augmentation(), recipe.seed());
        float[] batchImages = new float[batchSize * FashionMnist.PIXELS];
        int[] batchLabels = new int[batchSize];
        LOG.infof("training %s (width %d, batch norm %s, augmentation %s) on %d examples, %d held out for validation: "
            + "%d epochs of %d steps (batch %d, learning rate %s, seed %d, patience %d, %d threads)", recipe.model().id(),
            recipe.width(), recipe.batchNorm(), recipe.augmentation(), count, validation.length, recipe.epochs(), stepsPerEpoch,
            batchSize, recipe.learningRate(), recipe.seed(), recipe.patience(), sessionThreads);

        List<EpochSummary> history = new ArrayList<>();
        long started = System.nanoTime();
        long lastReport = started;
        long step = 0;
        double epochLoss = 0;
        double epochAccuracy = 0;
        double bestValidation = -1;
        int bestEpoch = 0;
        TrainedParameters best = null;
        for (int epoch = 1; epoch <= recipe.epochs(); epoch++) {
            // Traced (docs/observability.md): one span per epoch, under the recipe's span when one is current
            Span epochSpan = tracer.spanBuilder("epoch " + epoch).setAttribute(EPOCH, (long) epoch).startSpan();
            try {
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
                        augmenter.apply(batchImages, b * FashionMnist.PIXELS);
                        batchLabels[b] = train.label(order[from + b]);
                    }
                    try (TFloat32 x = TFloat32.tensorOf(Shape.of(size, 28, 28),
                            DataBuffers.of(batchImages, true, false).narrow((long) size * FashionMnist.PIXELS));
                        TInt32 y = TInt32.tensorOf(Shape.of(size), DataBuffers.of(batchLabels, true, false).narrow(size));
                        Scalars scalars = new Scalars()) {
                        Session.Runner runner = ops.session().runner().feed(ops.images(), x).feed(ops.labels(), y)
                            .fetch(ops.loss()).fetch(ops.accuracy());
                        ops.updates().forEach(runner::addTarget);
                        scalars.addAll(ops.adam().feed(runner, step + 1, learningRate(recipe, step, totalSteps)));
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
                        Double validationAccuracy = null;
                        if (validation.length > 0) {
                            validationAccuracy = validate(ops, train, validation);
                            if (validationAccuracy > bestValidation) {
                                bestValidation = validationAccuracy;
                                bestEpoch = epoch;
                                best = read(architecture, ops);
                            }
                        }
                        now = System.nanoTime();
                        history.add(new EpochSummary(epoch, epochLoss, epochAccuracy, (now - started) / 1e9, validationAccuracy));
                        epochSpan.setAllAttributes(Attributes.of(LOSS, epochLoss, ACCURACY, epochAccuracy));
                        if (validationAccuracy != null) {
                            epochSpan.setAttribute(VALIDATION_ACCURACY, validationAccuracy);
                        }
                    }
                    if (epochEnd || now - lastReport >= progressInterval.toNanos()) {
                        lastReport = now;
                        report(recipe, epoch, step, totalSteps, epochLoss, epochAccuracy, now - started, epochEnd);
                    }
                }
                if (recipe.patience() > 0 && epoch - bestEpoch >= recipe.patience() && epoch < recipe.epochs()) {
                    LOG.infof("%s: no better validation accuracy than %.4f (epoch %d) for %d epochs; stopping early at epoch %d",
                        recipe.model().id(), bestValidation, bestEpoch, recipe.patience(), epoch);
                    break;
                }
            } finally {
                epochSpan.end();
            }
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        LOG.infof("trained %s in %.1f s (%.0f examples/s): last epoch loss %.4f, accuracy %.4f%s", recipe.model().id(), seconds,
            (double) count * history.size() / seconds, epochLoss, epochAccuracy,
            best == null ? "" : "; restored epoch %d (validation accuracy %.4f)".formatted(bestEpoch, bestValidation));
        TrainedParameters parameters = best != null ? best : read(architecture, ops);
        return new TrainingRun(recipe, parameters, count, step, seconds, epochLoss, epochAccuracy, List.copyOf(history),
            best == null ? history.size() : bestEpoch);
    }

    /**
     * The training and validation indices: all training images in order without a split; with one, a permutation drawn
     * from the seed whose last {@code validationSplit} part is held out.
     */
    static int[][] split(int count, Recipe recipe) {
        int[] all = new int[count];
        for (int i = 0; i < count; i++) {
            all[i] = i;
        }
        int held = (int) (count * recipe.validationSplit());
        if (held == 0) {
            return new int[][] {all, new int[0]};
        }
        shuffle(all, new Random(recipe.seed() ^ 0x76616c6964L));
        int[] train = java.util.Arrays.copyOf(all, count - held);
        int[] validation = java.util.Arrays.copyOfRange(all, count - held, count);
        java.util.Arrays.sort(train);
        java.util.Arrays.sort(validation);
        return new int[][] {train, validation};
    }

    /** Accuracy of the inference graph (moving averages, no dropout) on the held-out images. */
    private static double validate(Graphs ops, Split train, int[] validation) {
        int batch = 1000;
        float[] images = new float[batch * FashionMnist.PIXELS];
        int correct = 0;
        for (int from = 0; from < validation.length; from += batch) {
            int size = Math.min(batch, validation.length - from);
            for (int b = 0; b < size; b++) {
                train.copyImage(validation[from + b], images, b * FashionMnist.PIXELS);
            }
            try (TFloat32 x = TFloat32.tensorOf(Shape.of(size, 28, 28),
                    DataBuffers.of(images, true, false).narrow((long) size * FashionMnist.PIXELS));
                Result result = ops.session().runner().feed(ops.images(), x).fetch(ops.predictions()).run()) {
                TInt32 predicted = (TInt32) result.get(0);
                for (int b = 0; b < size; b++) {
                    if (predicted.getInt(b) == train.label(validation[from + b])) {
                        correct++;
                    }
                }
            }
        }
        return (double) correct / validation.length;
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

    private static TrainedParameters read(Architecture architecture, Graphs ops) {
        Map<String, float[]> values = new LinkedHashMap<>();
        Session.Runner runner = ops.session().runner();
        ops.variables().values().forEach(runner::fetch);
        try (Result result = runner.run()) {
            int i = 0;
            for (String name : ops.variables().keySet()) {
                TFloat32 tensor = (TFloat32) result.get(i++);
                float[] value = new float[(int) tensor.shape().size()];
                tensor.copyTo(DataBuffers.of(value, false, false));
                values.put(name, value);
            }
        }
        return new TrainedParameters(architecture, values);
    }
}
