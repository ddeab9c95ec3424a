package dev.tffashion.learn;

import java.util.Arrays;

/**
 * How a trained model does on the 10000 Fashion-MNIST test images.
 *
 * @param testAccuracy     fraction of test images classified right
 * @param perClassAccuracy per class (index = label), the fraction of that class's images classified right
 * @param confusionMatrix  {@code [actual][predicted]} counts
 * @param trainingSeconds  wall time of the training loop (not data loading, evaluation or export)
 */
public record Evaluation(double testAccuracy, double[] perClassAccuracy, int[][] confusionMatrix, double trainingSeconds,
    int trainExamples, int testExamples) {

    /** Builds the evaluation from predicted and actual labels. */
    public static Evaluation of(int[] actual, int[] predicted, int classes, double trainingSeconds, int trainExamples) {
        int[][] confusion = new int[classes][classes];
        int right = 0;
        for (int i = 0; i < actual.length; i++) {
            confusion[actual[i]][predicted[i]]++;
            if (actual[i] == predicted[i]) {
                right++;
            }
        }
        double[] perClass = new double[classes];
        for (int c = 0; c < classes; c++) {
            int total = Arrays.stream(confusion[c]).sum();
            perClass[c] = total == 0 ? 0 : (double) confusion[c][c] / total;
        }
        return new Evaluation(actual.length == 0 ? 0 : (double) right / actual.length, perClass, confusion, trainingSeconds,
            trainExamples, actual.length);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Evaluation e && testAccuracy == e.testAccuracy && Arrays.equals(perClassAccuracy, e.perClassAccuracy)
            && Arrays.deepEquals(confusionMatrix, e.confusionMatrix) && trainingSeconds == e.trainingSeconds
            && trainExamples == e.trainExamples && testExamples == e.testExamples;
    }

    @Override
    public int hashCode() {
        return Double.hashCode(testAccuracy) * 31 + Arrays.deepHashCode(confusionMatrix);
    }

    @Override
    public String toString() {
        return "Evaluation[testAccuracy=%.4f, trainingSeconds=%.1f, trainExamples=%d]".formatted(testAccuracy, trainingSeconds,
            trainExamples);
    }
}
