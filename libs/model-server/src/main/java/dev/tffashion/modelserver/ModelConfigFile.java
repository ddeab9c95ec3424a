package dev.tffashion.modelserver;

import com.google.protobuf.TextFormat;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.logging.Logger;
import tensorflow.serving.ModelServerConfigOuterClass.ModelServerConfig;

/**
 * TF Serving's {@code --model_config_file} with {@code --model_config_file_poll_wait_seconds}: the file is read at start
 * and, when a poll wait is set, read again at that interval; a changed text is parsed and applied (models added, removed,
 * their version policies and labels changed), as TF Serving reloads its config file. A text that does not parse or cannot be
 * applied is logged once, and the models of the last good config go on being served; so is a file that cannot be read.
 * Only a change of the file's text is applied: a config sent with {@code HandleReloadConfigRequest} stays until the file
 * changes (TF Serving applies the file at every poll, undoing such a request within the poll wait).
 */
final class ModelConfigFile {

    private static final Logger LOG = Logger.getLogger(ModelConfigFile.class.getName());

    private final Path path;
    private final Duration pollWait;
    private final ModelServerConfig initial;
    private String lastText;
    private String lastProblem;

    private ModelConfigFile(Path path, Duration pollWait, String text, ModelServerConfig initial) {
        this.path = path;
        this.pollWait = pollWait;
        this.lastText = text;
        this.initial = initial;
    }

    /**
     * Reads and parses the file.
     *
     * @param pollWait zero: read once, at start (TF Serving's default)
     * @throws IOException when it cannot be read or is not a ModelServerConfig in protobuf text format
     */
    static ModelConfigFile read(Path path, Duration pollWait) throws IOException {
        Objects.requireNonNull(path, "path");
        if (pollWait.isNegative()) {
            throw new IllegalArgumentException("The model config file's poll wait must not be negative: " + pollWait);
        }
        String text = Files.readString(path);
        return new ModelConfigFile(path, pollWait, text, parse(text));
    }

    private static ModelServerConfig parse(String text) throws TextFormat.ParseException {
        ModelServerConfig.Builder config = ModelServerConfig.newBuilder();
        TextFormat.merge(text, config);
        return config.build();
    }

    Duration pollWait() {
        return pollWait;
    }

    /** The config the file held when it was first read. */
    ModelServerConfig initial() {
        return initial;
    }

    /** Reads the file again; when its text changed, parses it and gives it to {@code apply}. Problems are logged, not thrown. */
    synchronized void poll(Consumer<ModelServerConfig> apply) {
        String text;
        try {
            text = Files.readString(path);
        } catch (IOException e) {
            problem("cannot be read (" + e + ")");
            return;
        }
        if (text.equals(lastText)) {
            lastProblem = null;
            return;
        }
        lastText = text;
        try {
            apply.accept(parse(text));
            lastProblem = null;
            LOG.info(() -> "The changed model config file " + path + " is applied");
        } catch (TextFormat.ParseException e) {
            problem("was changed and is not a ModelServerConfig in protobuf text format (" + e.getMessage() + ")");
        } catch (RuntimeException e) {
            problem("was changed and cannot be applied (" + e.getMessage() + ")");
        }
    }

    private void problem(String what) {
        if (!what.equals(lastProblem)) {
            lastProblem = what;
            LOG.warning(() -> "The model config file " + path + " " + what + "; the models of the last config applied are still"
                + " served. Mend the file; it is read again every " + pollWait.toSeconds() + " s");
        }
    }
}
