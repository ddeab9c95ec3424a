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

    /**
     * A fresh work folder of this process for an in-process run of a model id: {@code <root>/<model id>-<pid>}, so that two
     * replicas on one machine never share one. Folders of the same model id left by processes that no longer run (killed while
     * training) are removed first.
     */
    public static Path ownFresh(LearnConfig config, String modelId) {
        Path root = root(config);
        if (Files.isDirectory(root)) {
            String prefix = modelId + "-";
            try (Stream<Path> siblings = Files.list(root)) {
                for (Path sibling : siblings.toList()) {
                    String name = sibling.getFileName().toString();
                    if (name.startsWith(prefix) && !alive(name.substring(prefix.length()))) {
                        delete(sibling);
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot list the work folders in " + root + ": " + e.getMessage(), e);
            }
        }
        return fresh(root.resolve(modelId + "-" + ProcessHandle.current().pid()));
    }

    private static boolean alive(String pid) {
        try {
            return ProcessHandle.of(Long.parseLong(pid)).map(ProcessHandle::isAlive).orElse(false);
        } catch (NumberFormatException e) {
            return true;
        }
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
