package dev.tffashion.learn.training;

import dev.tffashion.learn.EpochSummary;
import dev.tffashion.learn.Recipe;
import java.util.List;

/**
 * What a finished training loop produced.
 *
 * @param trainingSeconds wall time of the optimisation loop
 * @param finalLoss       mean training loss over the last epoch
 * @param finalAccuracy   mean training accuracy over the last epoch
 * @param history         loss and accuracy of every epoch
 * @param bestEpoch       the epoch whose parameters these are (the best on validation with a split, else the last)
 */
public record TrainingRun(Recipe recipe, TrainedParameters parameters, int trainExamples, long steps, double trainingSeconds,
    double finalLoss, double finalAccuracy, List<EpochSummary> history, int bestEpoch) {
}
