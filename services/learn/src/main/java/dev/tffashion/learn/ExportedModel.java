package dev.tffashion.learn;

import dev.tffashion.pipeline.contracts.ModelValue.ServingSignature;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A trained model exported as a SavedModel directory, with its evaluation on the Fashion-MNIST test images.
 *
 * @param directory        holds {@code saved_model.pb}, {@code variables/} and {@code assets.extra/}
 * @param model            what was trained: {@code mlp}, {@code cnn} or {@code python}
 * @param recipe           the recipe, or null for a model made by a Python script
 * @param history          loss and accuracy per epoch (empty when unknown)
 * @param datasetChecksums MD5 of each uncompressed dataset file, by file name
 * @param datasetSource    where the dataset was found
 * @param photos           accuracy on test images rendered as photos and preprocessed as image-convert does
 * @param mistakes         the most confident mistakes on the test images, most confident first
 */
public record ExportedModel(Path directory, String model, Recipe recipe, Evaluation evaluation, List<EvaluationSample> samples,
    ServingSignature signature, List<EpochSummary> history, Map<String, String> datasetChecksums, String datasetSource,
    String tensorflowVersion, PhotoAccuracy photos, List<Mistake> mistakes) {
}
