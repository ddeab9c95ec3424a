package dev.tffashion.imageconvert.config;

import dev.tffashion.imageconvert.ImageConverter;
import dev.tffashion.imaging.Preprocessor;
import dev.tffashion.pipeline.graph.PipelineGraph;
import dev.tffashion.pipeline.quarkus.trace.PipelineTracing;
import dev.tffashion.pipeline.store.ContentStore;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/** Makes the service's {@link Preprocessor} from its configuration, and the {@link ImageConverter} around it. */
@Singleton
public class PreprocessorProducer {

    @Produces
    @Singleton
    Preprocessor preprocessor(ImageConvertConfig config) {
        return new Preprocessor(config.toOptions());
    }

    @Produces
    @Singleton
    ImageConverter converter(Preprocessor preprocessor, PipelineGraph graph, ContentStore store, PipelineTracing tracing) {
        return new ImageConverter(preprocessor, graph, store, tracing);
    }
}
