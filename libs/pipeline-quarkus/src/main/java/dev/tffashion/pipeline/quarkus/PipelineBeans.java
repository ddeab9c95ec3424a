package dev.tffashion.pipeline.quarkus;

import java.nio.file.Path;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;

import dev.tffashion.pipeline.graph.PipelineGraph;
import dev.tffashion.pipeline.store.ContentStore;
import dev.tffashion.pipeline.store.s3.S3ContentStore;
import dev.tffashion.pipeline.store.s3.S3Settings;

/**
 * CDI producers of the pipeline graph (under the configured pipeline name) and the shared content store: a folder, or an
 * S3-compatible bucket ({@code tf-fashion.store.kind}, docs/content-store.md).
 */
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
        return contentStore(config.store());
    }

    /** The store that {@code tf-fashion.store.*} describes: the shared folder, or the bucket of an S3-compatible server. */
    static ContentStore contentStore(PipelineConfig.Store store) {
        return switch (store.kind()) {
            case FOLDER -> ContentStore.atFolder(Path.of(store.root()));
            case S3 -> S3ContentStore.connect(s3Settings(store.s3()));
        };
    }

    static S3Settings s3Settings(PipelineConfig.Store.S3 s3) {
        return new S3Settings(s3.bucket().orElse(null), s3.prefix().orElse(""), s3.endpoint(), s3.region(), s3.pathStyle(),
                s3.accessKeyId(), s3.secretAccessKey(), s3.createBucket(), s3.spoolDir().map(Path::of).orElse(null),
                s3.refreshAfter());
    }

    void closeContentStore(@Disposes ContentStore store) throws Exception {
        if (store instanceof AutoCloseable closeable) {
            closeable.close();
        }
    }
}
