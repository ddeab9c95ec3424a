package dev.tffashion.modelserver;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The packaged runnable jar (target/model-server-*.jar + target/lib) serves a model base path. */
class ModelServerJarIT {

    @TempDir
    Path tmp;

    @Test
    void runnableJarServesAModelBasePath() throws Exception {
        Path jar = Path.of(System.getProperty("model-server.jar", "target/model-server-0.1.0-SNAPSHOT.jar"));
        assertTrue(Files.isRegularFile(jar), "package the module first: " + jar);
        StandaloneServer.runAndCheck(tmp, List.of("-jar", jar.toString()));
    }
}
