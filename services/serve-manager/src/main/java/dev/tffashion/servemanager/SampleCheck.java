package dev.tffashion.servemanager;

import java.util.List;

/** Compares what the served model answered for the evaluation samples with the probabilities the model was exported with. */
public final class SampleCheck {

    private SampleCheck() {
    }

    /**
     * Returns the largest absolute difference over all samples and classes.
     *
     * @throws ModelRejectedException naming the first sample and class that differ by more than the tolerance
     */
    public static double compare(List<EvaluationSamples.Sample> samples, float[][] served, double tolerance) {
        if (served.length != samples.size()) {
            throw new ModelRejectedException("verify", "the served model answered " + served.length + " rows for " + samples.size()
                    + " evaluation samples");
        }
        double max = 0;
        for (int i = 0; i < samples.size(); i++) {
            EvaluationSamples.Sample sample = samples.get(i);
            float[] expected = sample.probabilities();
            if (served[i].length != expected.length) {
                throw new ModelRejectedException("verify", "evaluation sample " + sample.index() + ": the served model answered "
                        + served[i].length + " values, the sample expects " + expected.length);
            }
            for (int c = 0; c < expected.length; c++) {
                double difference = Math.abs((double) served[i][c] - expected[c]);
                if (!(difference <= tolerance)) {
                    throw new ModelRejectedException("verify", String.format(java.util.Locale.ROOT,
                            "the served model disagrees with its evaluation samples: sample %d%s, class %d: served %.6f, expected %.6f "
                                    + "(difference %.2g > tolerance %.2g)",
                            sample.index(), sample.label() == null ? "" : " (label " + sample.label() + ")", c, served[i][c], expected[c],
                            difference, tolerance));
                }
                max = Math.max(max, difference);
            }
        }
        return max;
    }
}
