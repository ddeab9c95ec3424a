package dev.tffashion.imaging;

import java.util.Random;

/**
 * Test support: a multinomial logistic regression on the raw 784 pixels in [0,1], trained by plain SGD in a few seconds.
 * Only a yardstick for preprocessing (about 84% on Fashion-MNIST), not the pipeline's model.
 */
final class SoftmaxClassifier {

    private static final int CLASSES = 10;
    private static final int INPUTS = 784;

    private final float[] weights = new float[CLASSES * INPUTS];
    private final float[] bias = new float[CLASSES];

    /** Trains on the Fashion-MNIST training set. */
    static SoftmaxClassifier train(FashionMnistFiles.Images data, int epochs, long seed) {
        SoftmaxClassifier model = new SoftmaxClassifier();
        int[] order = new int[data.count()];
        for (int i = 0; i < order.length; i++) order[i] = i;
        Random random = new Random(seed);
        float[] x = new float[INPUTS];
        float[] p = new float[CLASSES];
        for (int epoch = 0; epoch < epochs; epoch++) {
            for (int i = order.length - 1; i > 0; i--) {
                int j = random.nextInt(i + 1);
                int t = order[i];
                order[i] = order[j];
                order[j] = t;
            }
            float rate = 0.05f / (1 + epoch);
            for (int n : order) {
                for (int k = 0; k < INPUTS; k++) x[k] = (data.pixels()[n * INPUTS + k] & 0xFF) / 255f;
                model.probabilities(x, p);
                int label = data.label(n);
                for (int c = 0; c < CLASSES; c++) {
                    float g = rate * (p[c] - (c == label ? 1f : 0f));
                    if (g == 0f) continue;
                    int row = c * INPUTS;
                    for (int k = 0; k < INPUTS; k++) model.weights[row + k] -= g * x[k];
                    model.bias[c] -= g;
                }
            }
        }
        return model;
    }

    /** The most probable class of 784 pixels in [0,1]. */
    int predict(float[] x) {
        float[] p = new float[CLASSES];
        probabilities(x, p);
        int best = 0;
        for (int c = 1; c < CLASSES; c++) {
            if (p[c] > p[best]) best = c;
        }
        return best;
    }

    private void probabilities(float[] x, float[] p) {
        float max = Float.NEGATIVE_INFINITY;
        for (int c = 0; c < CLASSES; c++) {
            float z = bias[c];
            int row = c * INPUTS;
            for (int k = 0; k < INPUTS; k++) z += weights[row + k] * x[k];
            p[c] = z;
            max = Math.max(max, z);
        }
        float sum = 0;
        for (int c = 0; c < CLASSES; c++) {
            p[c] = (float) Math.exp(p[c] - max);
            sum += p[c];
        }
        for (int c = 0; c < CLASSES; c++) p[c] /= sum;
    }
}
