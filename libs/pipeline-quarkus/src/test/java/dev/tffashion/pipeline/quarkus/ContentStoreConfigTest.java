package dev.tffashion.pipeline.quarkus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

import io.quarkus.runtime.configuration.DurationConverter;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.tffashion.pipeline.store.ContentStoreException;
import dev.tffashion.pipeline.store.FileContentStore;
import dev.tffashion.pipeline.store.s3.S3Settings;

/** tf-fashion.store.* chooses and configures the content store: the folder by default, a bucket with kind s3. */
class ContentStoreConfigTest {

    @TempDir
    Path dir;

    private static PipelineConfig.Store store(Map<String, String> properties) {
        SmallRyeConfig config = new SmallRyeConfigBuilder()
                .withMapping(PipelineConfig.class)
                .withConverter(Duration.class, 100, new DurationConverter()) // "30s", as Quarkus reads durations
                .withSources(new PropertiesConfigSource(properties, "test", 100))
                .build();
        return config.getConfigMapping(PipelineConfig.class).store();
    }

    @Test
    void theFolderIsTheDefault() {
        PipelineConfig.Store store = store(Map.of("tf-fashion.store.root", dir.toString()));
        assertEquals(PipelineConfig.Store.Kind.FOLDER, store.kind());
        assertInstanceOf(FileContentStore.class, PipelineBeans.contentStore(store));
    }

    @Test
    void kindS3ReadsTheBucketSettings() {
        PipelineConfig.Store store = store(Map.of(
                "tf-fashion.store.kind", "s3",
                "tf-fashion.store.s3.bucket", "fashion",
                "tf-fashion.store.s3.prefix", "pipeline-a",
                "tf-fashion.store.s3.endpoint", "http://minio:9000",
                "tf-fashion.store.s3.path-style", "true",
                "tf-fashion.store.s3.access-key-id", "id",
                "tf-fashion.store.s3.secret-access-key", "secret",
                "tf-fashion.store.s3.create-bucket", "true",
                "tf-fashion.store.s3.spool-dir", dir.toString(),
                "tf-fashion.store.s3.refresh-after", "2h"));
        assertEquals(PipelineConfig.Store.Kind.S3, store.kind());
        S3Settings settings = PipelineBeans.s3Settings(store.s3());
        assertEquals(new S3Settings("fashion", "pipeline-a/", Optional.of(URI.create("http://minio:9000")), "us-east-1", true,
                Optional.of("id"), Optional.of("secret"), true, dir, Duration.ofHours(2)), settings);
        assertEquals("s3://fashion/pipeline-a/", settings.location());
    }

    @Test
    void kindS3WithoutABucketSaysWhatToSet() {
        PipelineConfig.Store store = store(Map.of("tf-fashion.store.kind", "s3"));
        ContentStoreException e = assertThrows(ContentStoreException.class, () -> PipelineBeans.contentStore(store));
        assertTrue(e.getMessage().contains("tf-fashion.store.s3.bucket"), e.getMessage());
    }
}
