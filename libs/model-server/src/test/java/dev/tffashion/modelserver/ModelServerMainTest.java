package dev.tffashion.modelserver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The standalone main, run as a child process with tensorflow_model_server's flags, answers REST status. */
class ModelServerMainTest {

    @TempDir
    Path tmp;

    @Test
    void mainServesAModelBasePath() throws Exception {
        String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        StandaloneServer.runAndCheck(tmp, List.of("-cp", classPath,
            ModelServerMain.class.getName()));
    }

    @Test
    void versionPrintsTfServingsTwoLinesAndExits() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = ModelServerMain.run(new String[] {"--version"}, new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(0, status, err.toString(StandardCharsets.UTF_8));
        List<String> lines = out.toString(StandardCharsets.UTF_8).lines().toList();
        assertEquals(2, lines.size(), lines.toString());
        // run from classes here: no jar manifest, so "unknown" (ModelServerJarIT checks the jar's version)
        assertEquals("TensorFlow ModelServer: unknown (tf-fashion's model server: TF Serving's gRPC and REST API)", lines.get(0));
        assertTrue(lines.get(1).matches("TensorFlow Library: \\d+\\.\\d+\\.\\d+.*"), lines.get(1));
    }
}
