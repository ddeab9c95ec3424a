package dev.tffashion.learn.python;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tffashion.learn.LearnException;
import dev.tffashion.learn.TrainingProgress;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs real Python 3 scripts (no TensorFlow needed): output parsing, exit codes, timeouts, a missing interpreter. */
class ProcessPythonExecutorTest {

    @TempDir
    Path work;

    @BeforeAll
    static void needsPython() {
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/python3")), "python3 is not installed");
    }

    private ScriptRun write(String script) throws IOException {
        Path file = Files.writeString(work.resolve("learn_script.py"), script);
        return new ScriptRun("value-1", "model-1", work, file, Files.createDirectories(work.resolve("output")));
    }

    @Test
    void runsTheScriptWithTheOutputFolderAndParsesKerasEpochs() throws IOException {
        ScriptRun run = write("""
            import os, sys
            print("Epoch 1/2")
            print("600/600 - 2s - 3ms/step - accuracy: 0.8166 - loss: 0.5176")
            print("Epoch 2/2")
            print("600/600 - 2s - 3ms/step - accuracy: 0.8601 - loss: 0.3870 - val_loss: 0.9")
            print("dataset", os.environ["FASHION_MNIST_DIR"], file=sys.stderr)
            os.makedirs(os.path.join(sys.argv[1], "1"))
            open(os.path.join(sys.argv[1], "1", "saved_model.pb"), "wb").close()
            """);
        List<TrainingProgress> progress = new CopyOnWriteArrayList<>();

        ScriptOutcome outcome = new ProcessPythonExecutor("python3", Duration.ofMinutes(1), Map.of("FASHION_MNIST_DIR", "/data/fm"))
            .run(run, progress::add);

        assertThat(run.outputDir().resolve("1/saved_model.pb")).exists();
        assertThat(outcome.history()).hasSize(2);
        assertThat(outcome.history().get(1).loss()).isEqualTo(0.3870);
        assertThat(outcome.history().get(1).accuracy()).isEqualTo(0.8601);
        assertThat(progress).extracting(TrainingProgress::epoch).containsExactly(1, 2);
        assertThat(progress.get(1).fraction()).isEqualTo(1.0);
    }

    @Test
    void aFailingScriptReportsItsExitCodeAndLastLines() throws IOException {
        ScriptRun run = write("import tensorflow_is_not_installed_here\n");

        assertThatThrownBy(() -> new ProcessPythonExecutor("python3", Duration.ofMinutes(1), Map.of()).run(run, p -> { }))
            .isInstanceOf(LearnException.class)
            .hasMessageContaining("the script exited with code 1")
            .hasMessageContaining("ModuleNotFoundError: No module named 'tensorflow_is_not_installed_here'");
    }

    @Test
    void aScriptThatRunsTooLongIsStopped() throws IOException {
        ScriptRun run = write("import time\nprint('started', flush=True)\ntime.sleep(120)\n");

        long started = System.nanoTime();
        assertThatThrownBy(() -> new ProcessPythonExecutor("python3", Duration.ofSeconds(2), Map.of()).run(run, p -> { }))
            .isInstanceOf(LearnException.class)
            .hasMessageContaining("ran longer than learn.python.timeout (PT2S) and was stopped")
            .hasMessageContaining("started");
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(60));
    }

    @Test
    void aMissingInterpreterSaysWhatToSet() throws IOException {
        ScriptRun run = write("print('hello')\n");

        assertThatThrownBy(() -> new ProcessPythonExecutor("/nonexistent/python3", Duration.ofMinutes(1), Map.of()).run(run, p -> { }))
            .isInstanceOf(LearnException.class)
            .hasMessageContaining("cannot start the Python command '/nonexistent/python3'")
            .hasMessageContaining("set learn.python.command");
    }
}
