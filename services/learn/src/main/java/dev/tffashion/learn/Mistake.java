package dev.tffashion.learn;

/**
 * A test image the model got wrong, with how sure it was: the UI shows the most confident ones.
 *
 * @param testIndex  index in the Fashion-MNIST test split
 * @param label      the true class
 * @param predicted  the class the model gave
 * @param confidence the model's probability for {@code predicted}
 * @param image      the 784 raw pixels (28x28, row-major, light garment on dark) as base64
 */
public record Mistake(int testIndex, int label, String className, int predicted, String predictedClassName, double confidence,
    String image) {
}
