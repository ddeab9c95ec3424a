package dev.tffashion.learn;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * One epoch of a training run, for the loss and accuracy curves.
 *
 * @param loss               mean training loss over the epoch
 * @param accuracy           mean training accuracy over the epoch
 * @param seconds            time since the run started, at the end of the epoch
 * @param validationAccuracy accuracy on the held-out validation images at the end of the epoch (null without a split)
 */
public record EpochSummary(int epoch, double loss, double accuracy, double seconds,
    @JsonInclude(JsonInclude.Include.NON_NULL) Double validationAccuracy) {

    /** An epoch without validation. */
    public EpochSummary(int epoch, double loss, double accuracy, double seconds) {
        this(epoch, loss, accuracy, seconds, null);
    }
}
