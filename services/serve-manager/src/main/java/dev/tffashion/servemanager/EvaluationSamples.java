package dev.tffashion.servemanager;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;

import dev.tffashion.pipeline.Json;
import dev.tffashion.pipeline.contracts.ModelValue;

/**
 * Reads the evaluation samples a model carries in {@value #PATH}: test images with the probabilities the trained model gave them.
 * services/learn writes {@code {"samples": [{"testIndex", "label", "pixels": [784 raw values 0..255], "probabilities": [10]}]}},
 * and the model's input is {@code pixels / 255f}. Also read: a top-level array instead of the object; {@code index} for
 * {@code testIndex}; {@code image} with the model's input itself (values in [0,1]) as 28 rows of 28 or 784 flat values; the
 * expected probabilities under {@code expected}.
 */
public final class EvaluationSamples {

    /** Where a SavedModel carries its samples, relative to its folder, as the model contract states it. */
    public static final String PATH = ModelValue.EVALUATION_SAMPLES;
    /** Values per image (28 x 28). */
    public static final int PIXELS = 28 * 28;
    /** Scores per image a Fashion-MNIST classifier answers: one per class. */
    public static final int CLASSES = 10;

    private EvaluationSamples() {
    }

    /** One sample: a flattened 28x28 image in [0,1] and the class probabilities expected for it. */
    public record Sample(int index, Integer label, float[] image, float[] probabilities) {
    }

    /** Reads the samples of a version folder; empty when the file is absent. */
    public static List<Sample> read(Path versionFolder) {
        Path file = versionFolder.resolve(PATH);
        if (!Files.isRegularFile(file)) {
            return List.of();
        }
        try {
            return parse(Files.readAllBytes(file));
        } catch (IOException e) {
            throw new ModelRejectedException("verify", "cannot read " + PATH + ": " + e.getMessage(), e);
        }
    }

    /**
     * Parses samples.
     *
     * @throws ModelRejectedException naming the sample and field that is wrong
     */
    public static List<Sample> parse(byte[] json) {
        JsonNode root;
        try {
            root = Json.mapper().readTree(json);
        } catch (IOException e) {
            throw new ModelRejectedException("verify", PATH + " is not valid JSON: " + e.getMessage(), e);
        }
        JsonNode array = root != null && root.isObject() ? root.get("samples") : root;
        if (array == null || !array.isArray()) {
            throw new ModelRejectedException("verify", PATH + " must be a JSON array of samples (or an object with a \"samples\" array)");
        }
        List<Sample> samples = new ArrayList<>();
        int position = 0;
        for (JsonNode node : array) {
            samples.add(sample(node, position++));
        }
        return samples;
    }

    private static Sample sample(JsonNode node, int position) {
        String where = PATH + " sample " + position;
        if (!node.isObject()) {
            throw new ModelRejectedException("verify", where + " is not a JSON object");
        }
        JsonNode indexNode = first(node, "testIndex", "index");
        int index = indexNode != null ? indexNode.asInt() : position;
        Integer label = node.hasNonNull("label") && node.get("label").canConvertToInt() ? node.get("label").asInt() : null;
        boolean raw = !node.hasNonNull("image") && node.hasNonNull("pixels");
        JsonNode image = first(node, "image", "pixels");
        if (image == null) {
            throw new ModelRejectedException("verify", where + " has no \"pixels\" (784 raw values 0..255) and no \"image\" "
                    + "(the model input in [0,1], 28 rows of 28 or 784 values)");
        }
        String field = raw ? "pixels" : "image";
        List<Float> pixels = new ArrayList<>();
        flatten(image, pixels, where + " " + field, 0);
        if (pixels.size() != PIXELS) {
            throw new ModelRejectedException("verify", where + " " + field + " has " + pixels.size() + " values; expected " + PIXELS
                    + " (28x28)");
        }
        if (raw) {
            for (int i = 0; i < pixels.size(); i++) {
                float value = pixels.get(i);
                if (value < 0 || value > 255) {
                    throw new ModelRejectedException("verify", where + " pixels[" + i + "] is " + value + "; raw pixels are 0..255");
                }
                pixels.set(i, value / 255f);
            }
        }
        JsonNode expected = first(node, "probabilities", "expected", "expectedProbabilities", "output");
        if (expected == null) {
            throw new ModelRejectedException("verify", where + " has no \"probabilities\" (the expected class probabilities)");
        }
        List<Float> probabilities = new ArrayList<>();
        flatten(expected, probabilities, where + " probabilities", 0);
        if (probabilities.isEmpty()) {
            throw new ModelRejectedException("verify", where + " has no expected probabilities");
        }
        return new Sample(index, label, toArray(pixels), toArray(probabilities));
    }

    private static JsonNode first(JsonNode node, String... names) {
        for (String name : names) {
            if (node.hasNonNull(name)) {
                return node.get(name);
            }
        }
        return null;
    }

    private static void flatten(JsonNode node, List<Float> out, String where, int depth) {
        if (node.isNumber()) {
            out.add(node.floatValue());
        } else if (node.isArray() && depth < 4) {
            for (JsonNode child : node) {
                flatten(child, out, where, depth + 1);
            }
        } else {
            throw new ModelRejectedException("verify", where + " must hold numbers (nested arrays of at most 3 levels), found "
                    + node.getNodeType().name().toLowerCase(java.util.Locale.ROOT));
        }
    }

    private static float[] toArray(List<Float> values) {
        float[] array = new float[values.size()];
        for (int i = 0; i < array.length; i++) {
            array[i] = values.get(i);
        }
        return array;
    }
}
