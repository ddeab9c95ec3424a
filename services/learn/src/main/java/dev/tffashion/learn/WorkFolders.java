package dev.tffashion.learn;

import dev.tffashion.learn.config.LearnConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * The work folders of runs: {@code <learn.training.work-folder>/<model id>/}, emptied before a new run and removed after it. A
 * folder that a resumed run (a Kubernetes Job still running or finished) works in is never emptied: see {@code PythonLearner}.
 */
public final class WorkFolders {

    private WorkFolders() {
    }

    /** The root of all work folders. */
    public static Path root(LearnConfig config) {
        return config.training().workFolder().orElse(Path.of(System.getProperty("java.io.tmpdir"), "tf-fashion-learn"))
            .toAbsolutePath().normalize();
    }

    /** A fresh, empty work folder for a model id. */
    public static Path fresh(LearnConfig config, String modelId) {
        return fresh(root(config).resolve(modelId));
    }

    /** Empties (or creates) a work folder. */
    public static Path fresh(Path dir) {
        delete(dir);
        try {
            return Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the work folder " + dir + ": " + e.getMessage(), e);
        }
    }

    /** Deletes a folder and everything in it, if it exists. */
    public static void delete(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete the work folder " + dir + ": " + e.getMessage(), e);
        }
    }
}
