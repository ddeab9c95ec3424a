package dev.tffashion.learn;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A trained model exported as a SavedModel directory, with its evaluation.
 *
 * @param directory        holds {@code saved_model.pb}, {@code variables/} and {@code assets.extra/}
 * @param datasetChecksums MD5 of each uncompressed dataset file, by file name
 * @param datasetSource    where the dataset was found
 */
public record ExportedModel(Path directory, Recipe recipe, Evaluation evaluation, List<EvaluationSample> samples,
    Map<String, String> datasetChecksums, String datasetSource, String tensorflowVersion) {
}
