package dev.tffashion.modelserver;

import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * TF Serving's own test models and config files, read from {@code ../shared/tfserving-testdata} beside the project
 * (never copied into it); {@code -Dtfserving.testdata=DIR} points elsewhere. A missing folder fails the test.
 */
final class TfServingTestdata {

    private TfServingTestdata() {
    }

    static Path dir() {
        String override = System.getProperty("tfserving.testdata");
        Path dir = override != null ? Path.of(override) : projectRoot().getParent().resolve("shared").resolve("tfserving-testdata");
        if (!Files.isDirectory(dir.resolve("saved_model_half_plus_two_cpu"))) {
            fail("TF Serving's test models are missing: expected them in " + dir.toAbsolutePath().normalize()
                + " (the folder ../shared/tfserving-testdata beside the project, as CI has it; copy tensorflow/serving's"
                + " tensorflow_serving/servables/tensorflow/testdata there, or run with -Dtfserving.testdata=DIR)");
        }
        return dir;
    }

    static Path model(String name) {
        return dir().resolve(name);
    }

    /** The project root: the nearest folder up from the working directory holding mvnw and libs/. */
    private static Path projectRoot() {
        Path at = Path.of("").toAbsolutePath();
        for (Path p = at; p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve("mvnw")) && Files.isDirectory(p.resolve("libs"))) {
                return p;
            }
        }
        fail("Cannot find the project root (a folder with mvnw and libs/) above " + at);
        return at;
    }
}
