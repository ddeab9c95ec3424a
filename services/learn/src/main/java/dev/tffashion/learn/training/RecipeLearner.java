package dev.tffashion.learn.training;

import dev.tffashion.fashionmnist.FashionMnist;
import dev.tffashion.learn.ExportedModel;
import dev.tffashion.learn.ProgressListener;
import dev.tffashion.learn.Recipe;
import dev.tffashion.learn.config.LearnConfig;
import dev.tffashion.pipeline.quarkus.trace.PipelineTracing;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.nio.file.Path;

/** Trains a recipe on Fashion-MNIST and exports the model: the in-process way of learning. */
@ApplicationScoped
public class RecipeLearner {

    private final DatasetProvider datasets;
    private final LearnConfig config;
    private final PipelineTracing tracing;

    public RecipeLearner(DatasetProvider datasets, LearnConfig config, PipelineTracing tracing) {
        this.datasets = datasets;
        this.config = config;
        this.tracing = tracing;
    }

    /** Trains {@code recipe} and exports the SavedModel into {@code directory}; progress goes to {@code listener}. */
    public ExportedModel learn(Recipe recipe, Path directory, ProgressListener listener) throws IOException {
        try (DatasetProvider.Lease lease = datasets.lease()) {
            FashionMnist data = lease.data();
            // each epoch a span under the recipe's (a no-op tracer when tracing is off)
            TrainingRun run = new Trainer(listener, config.training().progressInterval(), config.training().threads(), tracing.tracer())
                .train(recipe, data);
            return ModelExporter.export(run, data, directory);
        }
    }
}
