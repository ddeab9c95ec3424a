package dev.tffashion.predict;

import java.util.Arrays;
import java.util.List;

import dev.tffashion.fashionmnist.FashionMnist;

/**
 * A model's answer for one tensor: the ten class probabilities, the most likely label and its class name. Models export softmax
 * probabilities ({@code probabilities [-1,10]}); an output that is not a probability distribution (logits) is turned into one with
 * a softmax, and {@link #fromLogits()} says so.
 */
public record Classification(int label, float score, float[] probabilities, boolean fromLogits) {

    /** Tolerance on the sum of probabilities before an output counts as logits. */
    static final double SUM_TOLERANCE = 1e-3;

    /** The class names, indexed by label. */
    public static final List<String> CLASS_NAMES = FashionMnist.CLASS_NAMES;

    /** The class name of the label. */
    public String className() {
        return CLASS_NAMES.get(label);
    }

    /**
     * Reads one row of the model's output.
     *
     * @throws ServingFailedException when the row does not hold one score per class (the model is not a Fashion-MNIST classifier)
     */
    public static Classification of(float[] scores, String model) {
        if (scores.length != CLASS_NAMES.size()) {
            throw new ServingFailedException("model " + model + " answers " + scores.length + " scores per picture; a Fashion-MNIST "
                + "classifier answers " + CLASS_NAMES.size() + " (one per class)");
        }
        boolean distribution = true;
        double sum = 0;
        for (float s : scores) {
            if (!Float.isFinite(s)) {
                throw new ServingFailedException("model " + model + " answers a non-finite score " + s + ": " + Arrays.toString(scores));
            }
            distribution &= s >= 0 && s <= 1;
            sum += s;
        }
        distribution &= Math.abs(sum - 1) <= SUM_TOLERANCE;
        float[] probabilities = distribution ? scores.clone() : softmax(scores);
        int best = 0;
        for (int i = 1; i < probabilities.length; i++) {
            if (probabilities[i] > probabilities[best]) {
                best = i;
            }
        }
        return new Classification(best, probabilities[best], probabilities, !distribution);
    }

    static float[] softmax(float[] logits) {
        double max = Double.NEGATIVE_INFINITY;
        for (float v : logits) {
            max = Math.max(max, v);
        }
        double[] e = new double[logits.length];
        double sum = 0;
        for (int i = 0; i < logits.length; i++) {
            e[i] = Math.exp(logits[i] - max);
            sum += e[i];
        }
        float[] out = new float[logits.length];
        for (int i = 0; i < logits.length; i++) {
            out[i] = (float) (e[i] / sum);
        }
        return out;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Classification c && label == c.label && Arrays.equals(probabilities, c.probabilities)
            && fromLogits == c.fromLogits;
    }

    @Override
    public int hashCode() {
        return label * 31 + Arrays.hashCode(probabilities);
    }

    @Override
    public String toString() {
        return "Classification[" + label + " " + className() + " " + score + "]";
    }
}
