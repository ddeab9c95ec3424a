package dev.tffashion.learn;

/**
 * One epoch of a training run, for the loss and accuracy curves.
 *
 * @param loss     mean training loss over the epoch
 * @param accuracy mean training accuracy over the epoch
 * @param seconds  time since the run started, at the end of the epoch
 */
public record EpochSummary(int epoch, double loss, double accuracy, double seconds) {
}
