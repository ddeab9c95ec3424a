package dev.tffashion.pipeline.quarkus;

import java.nio.file.Path;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;

import dev.tffashion.pipeline.graph.PipelineGraph;
import dev.tffashion.pipeline.store.ContentStore;

/** CDI producers of the pipeline graph (under the configured pipeline name) and the shared content store. */
@ApplicationScoped
public class PipelineBeans {

    @Produces
    @ApplicationScoped
    PipelineGraph graph(PipelineConfig config) {
        return PipelineGraph.load(config.pipeline());
    }

    @Produces
    @ApplicationScoped
    ContentStore contentStore(PipelineConfig config) {
        return ContentStore.atFolder(Path.of(config.store().root()));
    }
}
