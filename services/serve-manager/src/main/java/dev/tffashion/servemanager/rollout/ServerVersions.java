package dev.tffashion.servemanager.rollout;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Collection;
import java.util.Map;

import org.jboss.logging.Logger;

import dev.tffashion.tfserving.client.TfServingConnection;

/**
 * Gives the model server the versions to serve and their labels, the same way in embedded and external mode: the model config
 * ({@code specific} version policy, labels {@code stable} and {@code canary}) is written to {@code <models-root>/models.config} in
 * protobuf text format, the file a TF Serving started with {@code --model_config_file} reads when it starts, and then sent to the
 * running server with ModelService.HandleReloadConfigRequest. No versions means TF Serving's default again (the latest).
 */
public final class ServerVersions {

    /** The model config file, in the models root. */
    public static final String CONFIG_FILE = "models.config";

    private static final Logger LOG = Logger.getLogger(ServerVersions.class);

    /** Sends a model config to the running server. */
    @FunctionalInterface
    public interface Reloader {
        void reload(String model, String basePath, Collection<Long> versions, Map<String, Long> labels);
    }

    private final Path configFile;
    private final String model;
    private final String serverBasePath;
    private final Reloader reloader;

    /**
     * @param configFile where the model config is written
     * @param serverBasePath the model base path as the server sees it
     */
    public ServerVersions(Path configFile, String model, String serverBasePath, Reloader reloader) {
        this.configFile = configFile;
        this.model = model;
        this.serverBasePath = serverBasePath;
        this.reloader = reloader;
    }

    /** Writes the model config and reloads the server with it. */
    public void apply(Collection<Long> versions, Map<String, Long> labels) {
        String text = TfServingConnection.modelConfigText(model, serverBasePath, versions, labels);
        Path temp = configFile.resolveSibling(configFile.getFileName() + ".tmp");
        try {
            Files.createDirectories(configFile.getParent());
            Files.writeString(temp, text, StandardCharsets.UTF_8);
            Files.move(temp, configFile, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the model config " + configFile + ": " + e.getMessage(), e);
        }
        reloader.reload(model, serverBasePath, versions, labels);
        LOG.infof("model server config: %s versions %s, labels %s", model, versions.isEmpty() ? "latest" : versions, labels);
    }

    /** The file the model config is written to. */
    public Path configFile() {
        return configFile;
    }
}
