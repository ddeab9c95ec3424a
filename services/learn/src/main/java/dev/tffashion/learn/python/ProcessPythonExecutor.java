package dev.tffashion.learn.python;

import dev.tffashion.learn.LearnException;
import dev.tffashion.learn.ProgressListener;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * Runs a Python training script as a child process of this service: {@code <command> <script> <output-dir>} in the run's
 * work folder, stdout and stderr logged line by line. Stopped (with its children) on timeout or when the thread is
 * interrupted.
 */
public final class ProcessPythonExecutor implements PythonExecutor {

    private static final Logger LOG = Logger.getLogger(ProcessPythonExecutor.class);

    private final List<String> command;
    private final Duration timeout;
    private final Map<String, String> environment;

    /**
     * @param command     the Python command, split on white space (e.g. {@code python3} or {@code /opt/venv/bin/python -u})
     * @param environment extra environment variables of the script
     */
    public ProcessPythonExecutor(String command, Duration timeout, Map<String, String> environment) {
        this.command = Arrays.stream(command.trim().split("\\s+")).filter(s -> !s.isEmpty()).toList();
        this.timeout = timeout;
        this.environment = Map.copyOf(environment);
    }

    @Override
    public String name() {
        return "python-process";
    }

    @Override
    public ScriptOutcome run(ScriptRun run, ProgressListener listener) {
        List<String> commandLine = new ArrayList<>(command);
        commandLine.add(run.script().toString());
        commandLine.add(run.outputDir().toString());
        ProcessBuilder builder = new ProcessBuilder(commandLine).directory(run.workDir().toFile()).redirectErrorStream(true);
        builder.environment().put("PYTHONUNBUFFERED", "1");
        builder.environment().putAll(environment);
        KerasLog log = new KerasLog(listener);
        long started = System.nanoTime();
        Process process;
        try {
            process = builder.start();
        } catch (IOException e) {
            throw new LearnException("script", "cannot start the Python command '" + String.join(" ", command) + "': " + e.getMessage()
                + "; set learn.python.command to a Python with TensorFlow 2 (e.g. python3)", e);
        }
        LOG.infof("value %s: running %s (pid %d)", run.valueId(), String.join(" ", commandLine), process.pid());
        Thread reader = new Thread(() -> pump(process, log, run.valueId()), "learn-script-" + process.pid());
        reader.setDaemon(true);
        reader.start();
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                stop(process);
                throw new LearnException("script", "the script ran longer than learn.python.timeout (" + timeout + ") and was stopped; "
                    + "last lines:\n" + tailAfter(reader, log));
            }
        } catch (InterruptedException e) {
            stop(process);
            Thread.currentThread().interrupt();
            throw new CancellationException("the script run was cancelled");
        }
        String tail = tailAfter(reader, log);
        int exit = process.exitValue();
        double seconds = (System.nanoTime() - started) / 1e9;
        if (exit != 0) {
            throw new LearnException("script", "the script exited with code " + exit + " after " + Math.round(seconds) + " s; last lines:\n"
                + tail);
        }
        LOG.infof("value %s: the script finished in %.1f s", run.valueId(), seconds);
        return new ScriptOutcome(seconds, log.history());
    }

    private static void pump(Process process, KerasLog log, String valueId) {
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = lines.readLine()) != null) {
                LOG.infof("value %s | %s", valueId, line);
                log.accept(line);
            }
        } catch (IOException e) {
            LOG.debugf("value %s: output closed: %s", valueId, e.getMessage());
        }
    }

    private static String tailAfter(Thread reader, KerasLog log) {
        try {
            reader.join(Duration.ofSeconds(5).toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return log.tail();
    }

    private static void stop(Process process) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
