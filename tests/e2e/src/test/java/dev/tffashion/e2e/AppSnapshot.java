package dev.tffashion.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Freezes the packaged services an IT runs: each {@code services/<name>/target/quarkus-app} is hard-linked (copied where links do
 * not work) into the test's work folder and {@code e2e.jar.<name>} points {@link PipelineProcesses} at the frozen copy, so a
 * rebuild of a service while the test runs (others build on this machine) cannot pull jars from under a running process.
 */
public final class AppSnapshot {

    private AppSnapshot() {
    }

    /**
     * Freezes every service of {@link PipelineProcesses#SERVICES} under {@code into} and sets the e2e.jar.* properties.
     *
     * @return the properties set, for {@link #thaw}
     */
    public static List<String> freeze(Path root, Path into) throws IOException {
        var set = new ArrayList<String>();
        for (var service : PipelineProcesses.SERVICES) {
            if (System.getProperty("e2e.jar." + service) != null) {
                continue;
            }
            var app = root.resolve("services").resolve(service).resolve("target/quarkus-app");
            if (!Files.isRegularFile(app.resolve("quarkus-run.jar"))) {
                continue;
            }
            var copy = into.resolve(service);
            try (Stream<Path> files = Files.walk(app)) {
                for (var file : files.toList()) {
                    var target = copy.resolve(app.relativize(file).toString());
                    if (Files.isDirectory(file)) {
                        Files.createDirectories(target);
                    } else {
                        try {
                            Files.createLink(target, file);
                        } catch (IOException | UnsupportedOperationException e) {
                            Files.copy(file, target);
                        }
                    }
                }
            }
            System.setProperty("e2e.jar." + service, copy.resolve("quarkus-run.jar").toString());
            set.add("e2e.jar." + service);
        }
        return set;
    }

    /** Clears the properties {@link #freeze} set, so later tests in this JVM run the services' own builds again. */
    public static void thaw(List<String> properties) {
        properties.forEach(System::clearProperty);
    }
}
