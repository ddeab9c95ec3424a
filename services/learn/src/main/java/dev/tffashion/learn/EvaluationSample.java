package dev.tffashion.learn;

/**
 * A test image with the probabilities the exported model gives it: a check that whoever serves the model serves it
 * right. Input to the model: {@code pixels[i] / 255f}, shape {@code [1,28,28]}.
 *
 * @param testIndex     index in the Fashion-MNIST test split
 * @param pixels        the 784 raw pixels (0..255, row-major, light garment on dark)
 * @param probabilities the model's output for the image
 */
public record EvaluationSample(int testIndex, int label, String className, int[] pixels, float[] probabilities, int predicted) {
}
