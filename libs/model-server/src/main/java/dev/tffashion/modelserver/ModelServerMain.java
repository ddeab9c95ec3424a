package dev.tffashion.modelserver;

import com.google.protobuf.TextFormat;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import tensorflow.serving.ModelServerConfigOuterClass.ModelServerConfig;

/**
 * Runs the model server standalone, with tensorflow_model_server's flags:
 * {@code java -jar model-server.jar --port=8500 --rest_api_port=8501 --model_name=fashion --model_base_path=/models/fashion}.
 * Stops on SIGTERM/SIGINT.
 */
public final class ModelServerMain {

    private ModelServerMain() {
    }

    public static void main(String[] args) {
        int status = run(args, System.out, System.err);
        if (status != 0) {
            System.exit(status);
        }
    }

    /** Runs until the JVM shuts down; returns an exit status when it cannot start (1: environment, 2: usage). */
    static int run(String[] args, PrintStream out, PrintStream err) {
        if (System.getProperty("java.util.logging.SimpleFormatter.format") == null) {
            System.setProperty("java.util.logging.SimpleFormatter.format", "%1$tF %1$tT.%1$tL %4$s %3$s: %5$s%6$s%n");
        }
        ModelServerFlags flags;
        try {
            flags = ModelServerFlags.parse(args);
        } catch (IllegalArgumentException e) {
            err.println("model-server: " + e.getMessage());
            err.print(ModelServerFlags.USAGE);
            return 2;
        }
        if (flags.help()) {
            out.print(ModelServerFlags.USAGE);
            return 0;
        }
        Optional<String> cpuProblem = NativeCpuCheck.problem();
        if (cpuProblem.isPresent()) {
            err.println("model-server: " + cpuProblem.get());
            return 1;
        }
        ModelServer.Builder builder = ModelServer.builder()
            .host(flags.host())
            .grpcPort(flags.port())
            .restPort(flags.restApiPort() == 0 ? ModelServer.DISABLED : flags.restApiPort())
            .pollInterval(Duration.ofSeconds(flags.pollWaitSeconds()))
            .restThreads(flags.restApiNumThreads());
        try {
            if (flags.modelConfigFile() != null) {
                ModelServerConfig.Builder config = ModelServerConfig.newBuilder();
                TextFormat.merge(Files.readString(Path.of(flags.modelConfigFile())), config);
                builder.modelConfig(config.build());
            } else {
                builder.modelName(flags.modelName()).modelBasePath(Path.of(flags.modelBasePath()));
            }
        } catch (IOException e) {
            err.println("model-server: cannot read --model_config_file " + flags.modelConfigFile() + ": " + e);
            return 2;
        }
        ModelServer server = builder.build();
        try {
            server.start();
        } catch (IOException e) {
            err.println("model-server: cannot open the ports (gRPC " + flags.port() + ", REST " + flags.restApiPort() + ") on "
                + flags.host() + ": " + e.getMessage());
            return 1;
        } catch (IllegalArgumentException | IllegalStateException e) {
            err.println("model-server: " + e.getMessage());
            return 1;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(server::close, "model-server-shutdown"));
        out.println("Running gRPC ModelServer at " + flags.host() + ":" + server.grpcPort() + " ...");
        if (server.restPort() != ModelServer.DISABLED) {
            out.println("Exporting HTTP/REST API at:" + flags.host() + ":" + server.restPort() + " ...");
        }
        out.flush();
        try {
            server.awaitTermination();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            server.close();
        }
        return 0;
    }
}
