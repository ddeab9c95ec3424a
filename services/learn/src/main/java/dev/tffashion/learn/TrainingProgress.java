package dev.tffashion.learn;

import java.time.Duration;

/**
 * Where a training run stands.
 *
 * @param epoch      current epoch, from 1
 * @param step       optimizer steps done so far, over all epochs
 * @param totalSteps steps of the whole run
 * @param loss       mean training loss over the current epoch so far
 * @param accuracy   mean training accuracy over the current epoch so far
 * @param epochEnd   true for the report at the end of an epoch
 */
public record TrainingProgress(int epoch, int epochs, long step, long totalSteps, double loss, double accuracy,
    Duration elapsed, Duration eta, boolean epochEnd) {

    /** Fraction of the run done, 0..1. */
    public double fraction() {
        return totalSteps == 0 ? 1 : (double) step / totalSteps;
    }

    @Override
    public String toString() {
        return "epoch %d/%d step %d/%d loss %.4f accuracy %.4f elapsed %ds eta %ds%s".formatted(epoch, epochs, step, totalSteps,
            loss, accuracy, elapsed.toSeconds(), eta.toSeconds(), epochEnd ? " (epoch end)" : "");
    }
}
