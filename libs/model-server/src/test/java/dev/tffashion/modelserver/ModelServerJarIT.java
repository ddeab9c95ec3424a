package dev.tffashion.modelserver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
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

    @Test
    void versionNamesTheJarsVersion() throws Exception {
        Path jar = Path.of(System.getProperty("model-server.jar", "target/model-server-0.1.0-SNAPSHOT.jar"));
        assertTrue(Files.isRegularFile(jar), "package the module first: " + jar);
        Process process = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar", jar.toString(),
            "--version").redirectError(ProcessBuilder.Redirect.DISCARD).start();
        try {
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(process.waitFor(60, TimeUnit.SECONDS), "--version did not exit");
            assertEquals(0, process.exitValue(), output);
            String version = jar.getFileName().toString().replaceFirst("^model-server-(.*)\\.jar$", "$1");
            assertTrue(output.startsWith("TensorFlow ModelServer: " + version + " ("), output);
            assertTrue(output.contains("\nTensorFlow Library: "), output);
        } finally {
            process.destroyForcibly();
        }
    }
}
