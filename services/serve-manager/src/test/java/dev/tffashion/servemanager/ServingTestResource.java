package dev.tffashion.servemanager;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.stream.Stream;

import dev.tffashion.pipeline.store.Contents;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * Gives the tests a fresh models root and content store in a temporary folder (removed at the end), and the embedded model server
 * on free ports. Init arg {@value #PREINSTALL} = a model value id: that model is installed as version 1 before the service starts
 * (and a half-unpacked {@code .incoming-2} is left behind), as if the service had run before. Init arg {@value #MODE}: the serving
 * mode, embedded unless said otherwise.
 */
public class ServingTestResource implements QuarkusTestResourceLifecycleManager {

    /** Init arg: install a model under this value id before start. */
    public static final String PREINSTALL = "preinstall";
    /** Init arg: the serving mode (default embedded). */
    public static final String MODE = "mode";

    private Path root;
    private String preinstall;
    private String mode = "embedded";

    @Override
    public void init(Map<String, String> initArgs) {
        preinstall = initArgs.get(PREINSTALL);
        mode = initArgs.getOrDefault(MODE, mode);
    }

    @Override
    public Map<String, String> start() {
        try {
            root = Files.createTempDirectory("serve-manager-test");
            if (preinstall != null) {
                Path model = TestModels.export(root.resolve("exported"), 11, TestModels.Samples.LEARN);
                ModelRepository repository = new ModelRepository(root.resolve("models/fashion"));
                ByteArrayOutputStream tar = new ByteArrayOutputStream();
                Contents.writeTar(model, tar);
                repository.install(new ByteArrayInputStream(tar.toByteArray()), preinstall, null, "0.9");
                Files.createDirectories(repository.basePath().resolve(".incoming-2"));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Map.of(
                "serving.mode", mode,
                "tf-fashion.topics.partitions", "1",
                "serving.models-root", root.resolve("models").toString(),
                "tf-fashion.store.root", root.resolve("store").toString(),
                "serving.grpc-port", "0",
                "serving.rest-port", "0",
                "serving.status-poll-interval", "50ms",
                "serving.available-timeout", "60s");
    }

    @Override
    public void stop() {
        if (root == null) {
            return;
        }
        try (Stream<Path> walk = Files.walk(root)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
