package dev.tffashion.modelserver;

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
}
