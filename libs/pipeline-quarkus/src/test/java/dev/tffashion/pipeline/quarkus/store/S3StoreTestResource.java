package dev.tffashion.pipeline.quarkus.store;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import dev.tffashion.pipeline.store.s3.S3MockServer;

/** S3Mock as its own process for a Quarkus test, with the tf-fashion.store.* settings that point the store bean at it. */
public class S3StoreTestResource implements QuarkusTestResourceLifecycleManager {

    static final String BUCKET = "quarkus-store";

    private S3MockServer server;

    @Override
    public Map<String, String> start() {
        try {
            server = S3MockServer.start(Files.createTempDirectory("s3mock-quarkus-"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        return Map.of(
                "quarkus.http.test-port", "0", // other builds on this machine may hold 8081
                "tf-fashion.store.kind", "s3",
                "tf-fashion.store.s3.bucket", BUCKET,
                "tf-fashion.store.s3.prefix", "tf-fashion/",
                "tf-fashion.store.s3.endpoint", server.endpoint().toString(),
                "tf-fashion.store.s3.path-style", "true",
                "tf-fashion.store.s3.create-bucket", "true",
                "tf-fashion.store.s3.access-key-id", "tf-fashion",
                "tf-fashion.store.s3.secret-access-key", "not-checked-by-s3mock",
                "tf-fashion.store.s3.spool-dir", Path.of("target", "s3-spool").toAbsolutePath().toString());
    }

    @Override
    public void stop() {
        if (server != null) {
            try {
                server.close();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
