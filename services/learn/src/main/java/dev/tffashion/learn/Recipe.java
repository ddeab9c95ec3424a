package dev.tffashion.learn;

import java.io.StringReader;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

import dev.tffashion.pipeline.contracts.RolloutPolicy;

/**
 * A training recipe: which network to train on Fashion-MNIST and how. Parsed from YAML such as
 * <pre>
 * model: cnn
 * epochs: 8
 * batchSize: 128
 * learningRate: 0.002
 * seed: 42
 * </pre>
 * The learning rate is Adam's peak rate; it decays along a cosine to zero over the run.
 * Only {@code model} is required; the other fields default to the values tuned for that model (see {@link #defaults}).
 * The fields are documented in samples/recipes/README.md.
 *
 * @param maxTrainExamples train on the first n training examples only (all when empty); for quick trials
 * @param width            the network's width: hidden units of the MLP, filters of the CNN's first convolution
 * @param batchNorm        batch normalisation after each hidden layer (before its ReLU)
 * @param augmentation     on-the-fly changes of the training images
 * @param validationSplit  fraction of the training images held out to choose the best epoch (0 = none)
 * @param patience         stop after this many epochs without a better validation accuracy (0 = never stop early)
 * @param rollout          how the trained model goes live ({@code immediate}, {@code shadow}, {@code canary}); null: the
 *                         serve-manager's configured policy (carried as the model value's annotation {@code rollout})
 * @param threads          TensorFlow's intra- and inter-op threads; 0 = one per available core
 */
public record Recipe(ModelKind model, int epochs, int batchSize, double learningRate, long seed, OptionalInt maxTrainExamples,
    int width, boolean batchNorm, Augmentation augmentation, double validationSplit, int patience, int threads,
    RolloutPolicy rollout) {

    /** Largest recipe accepted, in bytes. */
    public static final int MAX_BYTES = 64 * 1024;
    /** Allowed epochs. */
    public static final int MAX_EPOCHS = 1000;
    /** Allowed batch sizes. */
    public static final int MAX_BATCH_SIZE = 4096;
    /** The size of the Fashion-MNIST training split. */
    public static final int TRAIN_EXAMPLES = 60000;
    /** Allowed widths. */
    public static final int MIN_WIDTH = 4;
    public static final int MAX_WIDTH = 1024;
    /** Largest shift of the augmentation, in pixels. */
    public static final int MAX_SHIFT = 4;
    /** Largest scale change of the augmentation (a fraction: 0.1 = 90 % to 110 %). */
    public static final double MAX_SCALE = 0.3;
    /** Largest validation split. */
    public static final double MAX_VALIDATION_SPLIT = 0.5;
    /** Largest thread count. */
    public static final int MAX_THREADS = 256;

    /**
     * On-the-fly augmentation of each training image, drawn from the recipe's seed.
     *
     * @param flip  mirror left-right with probability 1/2
     * @param shift move by up to this many pixels in each direction
     * @param scale zoom by a factor from 1 - scale to 1 + scale
     */
    public record Augmentation(boolean flip, int shift, double scale) {

        /** No augmentation. */
        public static final Augmentation NONE = new Augmentation(false, 0, 0);

        public Augmentation {
            if (shift < 0 || shift > MAX_SHIFT || !(scale >= 0 && scale <= MAX_SCALE)) {
                throw new IllegalArgumentException("augmentation out of range: shift %d, scale %s".formatted(shift, scale));
            }
        }

        /** Whether any change is made. */
        public boolean enabled() {
            return flip || shift > 0 || scale > 0;
        }
    }

    private static final List<String> FIELDS = List.of("model", "epochs", "batchSize", "learningRate", "seed", "maxTrainExamples",
        "width", "batchNorm", "augmentFlip", "augmentShift", "augmentScale", "validationSplit", "patience", "threads", "rollout");
    private static final Pattern INTEGER = Pattern.compile("[-+]?[0-9]+");
    private static final Pattern DECIMAL = Pattern.compile("[-+]?([0-9]+\\.?[0-9]*|\\.[0-9]+)([eE][-+]?[0-9]+)?");

    public Recipe {
        if (model == null) {
            throw new IllegalArgumentException("model is required");
        }
        if (epochs < 1 || epochs > MAX_EPOCHS || batchSize < 1 || batchSize > MAX_BATCH_SIZE
            || !(learningRate > 0 && learningRate <= 1) || width < MIN_WIDTH || width > MAX_WIDTH
            || !(validationSplit >= 0 && validationSplit <= MAX_VALIDATION_SPLIT) || patience < 0 || patience > MAX_EPOCHS
            || patience > 0 && validationSplit == 0 || threads < 0 || threads > MAX_THREADS) {
            throw new IllegalArgumentException(("recipe values out of range: epochs %d, batchSize %d, learningRate %s, width %d, "
                + "validationSplit %s, patience %d, threads %d").formatted(epochs, batchSize, learningRate, width, validationSplit,
                patience, threads));
        }
        if (maxTrainExamples == null) {
            maxTrainExamples = OptionalInt.empty();
        }
        if (augmentation == null) {
            augmentation = Augmentation.NONE;
        }
    }

    /** A recipe that leaves the rollout policy to the serve-manager. */
    public Recipe(ModelKind model, int epochs, int batchSize, double learningRate, long seed, OptionalInt maxTrainExamples, int width,
        boolean batchNorm, Augmentation augmentation, double validationSplit, int patience, int threads) {
        this(model, epochs, batchSize, learningRate, seed, maxTrainExamples, width, batchNorm, augmentation, validationSplit, patience,
            threads, null);
    }

    /**
     * A plain recipe: the model's default width, no batch normalisation, augmentation, validation or early stopping,
     * threads from the available cores.
     */
    public Recipe(ModelKind model, int epochs, int batchSize, double learningRate, long seed, OptionalInt maxTrainExamples) {
        this(model, epochs, batchSize, learningRate, seed, maxTrainExamples, defaultWidth(model), false, Augmentation.NONE, 0, 0, 0);
    }

    /** The width a model has when the recipe does not say. */
    public static int defaultWidth(ModelKind model) {
        return model == ModelKind.CNN ? 32 : 256;
    }

    /** The tuned recipe for {@code model} (the one in samples/recipes): what a recipe's missing fields default to. */
    public static Recipe defaults(ModelKind model) {
        return switch (model) {
            case MLP -> new Recipe(ModelKind.MLP, 10, 128, 0.002, 42, OptionalInt.empty(), 256, true, Augmentation.NONE, 0, 0, 0);
            case CNN -> new Recipe(ModelKind.CNN, 20, 128, 0.003, 42, OptionalInt.empty(), 20, true,
                new Augmentation(true, 1, 0), 0, 0, 0);
        };
    }

    /** The same recipe, limited to the first {@code max} training examples. */
    public Recipe withMaxTrainExamples(int max) {
        return new Recipe(model, epochs, batchSize, learningRate, seed, OptionalInt.of(max), width, batchNorm, augmentation,
            validationSplit, patience, threads, rollout);
    }

    /** The same recipe with another number of epochs. */
    public Recipe withEpochs(int newEpochs) {
        return new Recipe(model, newEpochs, batchSize, learningRate, seed, maxTrainExamples, width, batchNorm, augmentation,
            validationSplit, patience, threads, rollout);
    }

    /** The recipe as YAML, in the same form {@link #parse} reads. */
    public String toYaml() {
        StringBuilder yaml = new StringBuilder()
            .append("model: ").append(model.id()).append('\n')
            .append("epochs: ").append(epochs).append('\n')
            .append("batchSize: ").append(batchSize).append('\n')
            .append("learningRate: ").append(learningRate).append('\n')
            .append("seed: ").append(seed).append('\n');
        maxTrainExamples.ifPresent(max -> yaml.append("maxTrainExamples: ").append(max).append('\n'));
        yaml.append("width: ").append(width).append('\n')
            .append("batchNorm: ").append(batchNorm).append('\n')
            .append("augmentFlip: ").append(augmentation.flip()).append('\n')
            .append("augmentShift: ").append(augmentation.shift()).append('\n')
            .append("augmentScale: ").append(augmentation.scale()).append('\n')
            .append("validationSplit: ").append(validationSplit).append('\n')
            .append("patience: ").append(patience).append('\n')
            .append("threads: ").append(threads == 0 ? "auto" : Integer.toString(threads)).append('\n');
        if (rollout != null) {
            yaml.append("rollout: ").append(rollout.wireName()).append('\n');
        }
        return yaml.toString();
    }

    /** Parses and validates a recipe; every problem found is reported at once. */
    public static Recipe parse(byte[] content) {
        String text = decode(content);
        Node root = compose(text);
        if (root == null) {
            throw new RecipeException("the recipe is empty; write a YAML mapping such as 'model: mlp' (fields: "
                + String.join(", ", FIELDS) + ")");
        }
        if (!(root instanceof MappingNode mapping)) {
            throw new RecipeException(line(root) + "a recipe is a YAML mapping of fields (" + String.join(", ", FIELDS)
                + "), not " + describe(root));
        }
        List<String> problems = new ArrayList<>();
        Map<String, ScalarNode> values = new LinkedHashMap<>();
        Map<String, Integer> firstLine = new HashMap<>();
        for (NodeTuple tuple : mapping.getValue()) {
            if (!(tuple.getKeyNode() instanceof ScalarNode keyNode)) {
                problems.add(line(tuple.getKeyNode()) + "a field name must be a plain word, not " + describe(tuple.getKeyNode()));
                continue;
            }
            String key = keyNode.getValue();
            if (!FIELDS.contains(key)) {
                problems.add(line(keyNode) + "unknown field '" + key + "'" + suggestion(key) + "; the fields are "
                    + String.join(", ", FIELDS));
                continue;
            }
            if (firstLine.containsKey(key)) {
                problems.add(line(keyNode) + "field '" + key + "' is given twice (first on line " + firstLine.get(key) + ")");
                continue;
            }
            firstLine.put(key, lineNumber(keyNode));
            if (!(tuple.getValueNode() instanceof ScalarNode value)) {
                problems.add(line(tuple.getValueNode()) + key + " must be a single value, not " + describe(tuple.getValueNode()));
                continue;
            }
            values.put(key, value);
        }

        ModelKind model = null;
        ScalarNode modelNode = values.get("model");
        if (modelNode == null) {
            if (!firstLine.containsKey("model")) {
                problems.add(line(root) + "field 'model' is missing; use mlp or cnn");
            }
        } else if (isNull(modelNode)) {
            problems.add(line(modelNode) + "model is empty; use mlp or cnn");
        } else {
            model = ModelKind.fromId(modelNode.getValue()).orElse(null);
            if (model == null) {
                problems.add(line(modelNode) + "model '" + modelNode.getValue() + "' is not supported; use mlp or cnn");
            }
        }
        Recipe base = defaults(model == null ? ModelKind.MLP : model);
        int epochs = integer(values.get("epochs"), "epochs", 1, MAX_EPOCHS, base.epochs(), problems);
        int batchSize = integer(values.get("batchSize"), "batchSize", 1, MAX_BATCH_SIZE, base.batchSize(), problems);
        double learningRate = learningRate(values.get("learningRate"), base.learningRate(), problems);
        long seed = seed(values.get("seed"), base.seed(), problems);
        OptionalInt maxTrainExamples = OptionalInt.empty();
        ScalarNode maxNode = values.get("maxTrainExamples");
        if (maxNode != null && !isNull(maxNode)) {
            maxTrainExamples = OptionalInt.of(integer(maxNode, "maxTrainExamples", 1, TRAIN_EXAMPLES, TRAIN_EXAMPLES, problems));
        }
        int width = integer(values.get("width"), "width", MIN_WIDTH, MAX_WIDTH, base.width(), problems);
        boolean batchNorm = bool(values.get("batchNorm"), "batchNorm", base.batchNorm(), problems);
        boolean flip = bool(values.get("augmentFlip"), "augmentFlip", base.augmentation().flip(), problems);
        int shift = integer(values.get("augmentShift"), "augmentShift", 0, MAX_SHIFT, base.augmentation().shift(), problems);
        double scale = fraction(values.get("augmentScale"), "augmentScale", MAX_SCALE, "e.g. 0.1 for 90 % to 110 %",
            base.augmentation().scale(), problems);
        double validationSplit = fraction(values.get("validationSplit"), "validationSplit", MAX_VALIDATION_SPLIT,
            "e.g. 0.1 to hold out 10 % of the training images; 0 for none", base.validationSplit(), problems);
        int patience = integer(values.get("patience"), "patience", 0, MAX_EPOCHS, base.patience(), problems);
        int threads = threads(values.get("threads"), base.threads(), problems);
        if (patience > 0 && validationSplit == 0 && problems.isEmpty()) {
            ScalarNode node = values.getOrDefault("patience", values.get("validationSplit"));
            problems.add((node == null ? "" : line(node)) + "patience " + patience
                + " stops early when the validation accuracy stops improving, but there is no validation split; "
                + "set validationSplit (e.g. 0.1) or patience: 0");
        }
        int examples = maxTrainExamples.orElse(TRAIN_EXAMPLES);
        if (validationSplit > 0 && problems.isEmpty() && (int) (examples * validationSplit) < 1) {
            problems.add(line(values.get("validationSplit")) + "validationSplit " + validationSplit + " of " + examples
                + " training images holds out no image; raise validationSplit or maxTrainExamples");
        }
        RolloutPolicy rollout = null;
        ScalarNode rolloutNode = values.get("rollout");
        if (rolloutNode != null && !isNull(rolloutNode)) {
            try {
                rollout = RolloutPolicy.parse(rolloutNode.getValue());
            } catch (IllegalArgumentException e) {
                problems.add(line(rolloutNode) + "rollout: " + e.getMessage());
            }
        }
        if (!problems.isEmpty()) {
            throw new RecipeException(problems);
        }
        return new Recipe(model, epochs, batchSize, learningRate, seed, maxTrainExamples, width, batchNorm,
            new Augmentation(flip, shift, scale), validationSplit, patience, threads, rollout);
    }

    private static String decode(byte[] content) {
        if (content.length == 0) {
            throw new RecipeException("the recipe is empty; write a YAML mapping such as 'model: mlp'");
        }
        if (content.length > MAX_BYTES) {
            throw new RecipeException("the recipe is " + content.length + " bytes; a recipe is a small YAML file (at most "
                + MAX_BYTES + " bytes)");
        }
        for (int i = 0; i < content.length; i++) {
            if (content[i] == 0) {
                throw new RecipeException("the recipe is binary data (a zero byte at offset " + i
                    + "), not YAML text; send a UTF-8 YAML file such as samples/recipes/mlp.yaml");
            }
        }
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
        try {
            String text = decoder.decode(ByteBuffer.wrap(content)).toString();
            return text.startsWith("\uFEFF") ? text.substring(1) : text;
        } catch (CharacterCodingException e) {
            int offset = firstInvalidUtf8(content);
            throw new RecipeException("the recipe is not UTF-8 text (invalid byte 0x%02x at offset %d, line %d); save it as UTF-8"
                .formatted(content[offset] & 0xff, offset, lineAt(content, offset)));
        }
    }

    private static int firstInvalidUtf8(byte[] content) {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(content);
        CharBuffer out = CharBuffer.allocate(content.length + 1);
        decoder.decode(in, out, true);
        return Math.min(in.position(), content.length - 1);
    }

    private static int lineAt(byte[] content, int offset) {
        int line = 1;
        for (int i = 0; i < offset; i++) {
            if (content[i] == '\n') {
                line++;
            }
        }
        return line;
    }

    private static Node compose(String text) {
        LoaderOptions options = new LoaderOptions();
        options.setMaxAliasesForCollections(10);
        options.setNestingDepthLimit(10);
        options.setCodePointLimit(MAX_BYTES);
        Yaml yaml = new Yaml(new SafeConstructor(options));
        try {
            return yaml.compose(new StringReader(text));
        } catch (MarkedYAMLException e) {
            Mark mark = e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark();
            String where = mark == null ? "" : "line %d, column %d: ".formatted(mark.getLine() + 1, mark.getColumn() + 1);
            String problem = e.getProblem() != null ? e.getProblem() : e.getContext();
            throw new RecipeException(where + "the recipe is not valid YAML: " + problem);
        } catch (YAMLException e) {
            throw new RecipeException("the recipe is not valid YAML: " + e.getMessage());
        }
    }

    private static int integer(ScalarNode node, String field, int min, int max, int fallback, List<String> problems) {
        if (node == null) {
            return fallback;
        }
        String value = node.getValue().trim();
        String allowed = "use a whole number from " + min + " to " + max;
        if (isNull(node)) {
            problems.add(line(node) + field + " is empty; " + allowed);
            return fallback;
        }
        if (!INTEGER.matcher(value).matches()) {
            problems.add(line(node) + field + " '" + value + "' is not a whole number; " + allowed);
            return fallback;
        }
        long parsed;
        try {
            parsed = Long.parseLong(value);
        } catch (NumberFormatException e) {
            parsed = value.startsWith("-") ? Long.MIN_VALUE : Long.MAX_VALUE;
        }
        if (parsed < min || parsed > max) {
            problems.add(line(node) + field + " " + value + " is out of range; " + allowed);
            return fallback;
        }
        return (int) parsed;
    }

    private static double learningRate(ScalarNode node, double fallback, List<String> problems) {
        if (node == null) {
            return fallback;
        }
        String value = node.getValue().trim();
        String allowed = "use a number greater than 0 and at most 1, e.g. 0.001";
        if (isNull(node)) {
            problems.add(line(node) + "learningRate is empty; " + allowed);
            return fallback;
        }
        if (!DECIMAL.matcher(value).matches()) {
            problems.add(line(node) + "learningRate '" + value + "' is not a number; " + allowed);
            return fallback;
        }
        double parsed = Double.parseDouble(value);
        if (!(parsed > 0 && parsed <= 1)) {
            problems.add(line(node) + "learningRate " + value + " is out of range; " + allowed);
            return fallback;
        }
        return parsed;
    }

    private static boolean bool(ScalarNode node, String field, boolean fallback, List<String> problems) {
        if (node == null) {
            return fallback;
        }
        String value = node.getValue().trim();
        if (value.equals("true") || value.equals("false")) {
            return Boolean.parseBoolean(value);
        }
        problems.add(line(node) + field + " '" + value + "' is not true or false; use true or false");
        return fallback;
    }

    private static double fraction(ScalarNode node, String field, double max, String example, double fallback,
        List<String> problems) {
        if (node == null) {
            return fallback;
        }
        String value = node.getValue().trim();
        String allowed = "use a number from 0 to " + max + ", " + example;
        if (isNull(node)) {
            problems.add(line(node) + field + " is empty; " + allowed);
            return fallback;
        }
        if (!DECIMAL.matcher(value).matches()) {
            problems.add(line(node) + field + " '" + value + "' is not a number; " + allowed);
            return fallback;
        }
        double parsed = Double.parseDouble(value);
        if (!(parsed >= 0 && parsed <= max)) {
            problems.add(line(node) + field + " " + value + " is out of range; " + allowed);
            return fallback;
        }
        return parsed;
    }

    private static int threads(ScalarNode node, int fallback, List<String> problems) {
        if (node == null) {
            return fallback;
        }
        String value = node.getValue().trim();
        if (value.equals("auto")) {
            return 0;
        }
        String allowed = "use auto (one per available core) or a whole number from 1 to " + MAX_THREADS;
        if (!INTEGER.matcher(value).matches()) {
            problems.add(line(node) + "threads '" + value + "' is not a whole number; " + allowed);
            return fallback;
        }
        long parsed = value.length() > 9 ? Long.MAX_VALUE : Long.parseLong(value);
        if (parsed < 1 || parsed > MAX_THREADS) {
            problems.add(line(node) + "threads " + value + " is out of range; " + allowed);
            return fallback;
        }
        return (int) parsed;
    }

    private static long seed(ScalarNode node, long fallback, List<String> problems) {
        if (node == null) {
            return fallback;
        }
        String value = node.getValue().trim();
        String allowed = "use a whole number, e.g. 42";
        if (isNull(node) || !INTEGER.matcher(value).matches()) {
            problems.add(line(node) + "seed '" + value + "' is not a whole number; " + allowed);
            return fallback;
        }
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            problems.add(line(node) + "seed " + value + " is too large; " + allowed + " between "
                + Long.MIN_VALUE + " and " + Long.MAX_VALUE);
            return fallback;
        }
    }

    private static boolean isNull(ScalarNode node) {
        String value = node.getValue().trim();
        boolean plain = node.getScalarStyle() == DumperOptions.ScalarStyle.PLAIN;
        return value.isEmpty() || plain && (value.equals("~") || value.equalsIgnoreCase("null"));
    }

    private static String suggestion(String key) {
        String best = null;
        int bestDistance = 3;
        for (String field : FIELDS) {
            int distance = distance(key.toLowerCase(), field.toLowerCase());
            if (distance < bestDistance) {
                best = field;
                bestDistance = distance;
            }
        }
        return best == null ? "" : " (did you mean '" + best + "'?)";
    }

    private static int distance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                current[j] = Math.min(Math.min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }

    private static String describe(Node node) {
        if (node instanceof SequenceNode) {
            return "a list";
        }
        if (node instanceof MappingNode) {
            return "a mapping";
        }
        return "the single value '" + ((ScalarNode) node).getValue() + "'";
    }

    private static int lineNumber(Node node) {
        return node.getStartMark().getLine() + 1;
    }

    private static String line(Node node) {
        return "line " + lineNumber(node) + ": ";
    }
}
