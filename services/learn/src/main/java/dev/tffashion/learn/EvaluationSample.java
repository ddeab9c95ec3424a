package dev.tffashion.learn;

/**
 * A test image with the probabilities the exported model gives it: a check that whoever serves the model serves it
 * right (serve-manager compares them with what TF Serving answers).
 *
 * @param testIndex     index in the Fashion-MNIST test split
 * @param image         the model's input: 784 floats in [0,1] ({@code pixels[i] / 255f}), row-major 28x28
 * @param pixels        the same image as its 784 raw pixels (0..255, light garment on dark), exact
 * @param probabilities the model's output for the image
 */
public record EvaluationSample(int testIndex, int label, String className, float[] image, int[] pixels, float[] probabilities,
    int predicted) {

    /** A sample whose {@code image} is made from its raw pixels. */
    public static EvaluationSample of(int testIndex, int label, String className, int[] pixels, float[] probabilities, int predicted) {
        float[] image = new float[pixels.length];
        for (int p = 0; p < pixels.length; p++) {
            image[p] = pixels[p] / 255f;
        }
        return new EvaluationSample(testIndex, label, className, image, pixels, probabilities, predicted);
    }
}
