package dev.tffashion.modelserver;

import com.google.protobuf.TextFormat;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.tensorflow.TensorFlow;
import tensorflow.serving.MonitoringConfigOuterClass.MonitoringConfig;

/**
 * Runs the model server standalone, with tensorflow_model_server's flags:
 * {@code java -jar model-server.jar --port=8500 --rest_api_port=8501 --model_name=fashion --model_base_path=/models/fashion}.
 * Stops on SIGTERM/SIGINT.
 */
public final class ModelServerMain {

    /** TF Serving's Prometheus path when the monitoring config enables Prometheus without a path. */
    static final String DEFAULT_PROMETHEUS_PATH = "/monitoring/prometheus/metrics";

    private ModelServerMain() {
    }

    /** OpenTelemetry's choice of context storage (a system property read once, when its context is first used). */
    static final String CONTEXT_STORAGE = "io.opentelemetry.context.contextStorageProvider";

    public static void main(String[] args) {
        // Standalone, the server traces nothing. The launchers run it from serve-manager's lib folder, whose Quarkus
        // OpenTelemetry context storage needs the rest of Quarkus (JBoss Logging) and broke every gRPC call: use
        // OpenTelemetry's own storage unless one is named.
        if (System.getProperty(CONTEXT_STORAGE) == null) {
            System.setProperty(CONTEXT_STORAGE, "default");
        }
        int status = run(args, System.out, System.err);
        if (status != 0) {
            System.exit(status);
        }
    }

    /**
     * The server the flags describe, reading the files they name.
     *
     * @throws IOException              when a file cannot be read or is not valid protobuf text
     * @throws IllegalArgumentException when a file holds invalid settings
     */
    static ModelServer.Builder builder(ModelServerFlags flags) throws IOException {
        ModelServer.Builder builder = ModelServer.builder()
            .host(flags.host())
            .grpcPort(flags.port())
            .restPort(flags.restApiPort() == 0 ? ModelServer.DISABLED : flags.restApiPort())
            .pollInterval(Duration.ofSeconds(flags.pollWaitSeconds()))
            .restThreads(flags.restApiNumThreads())
            .restTimeout(Duration.ofMillis(flags.restApiTimeoutMillis()))
            .restCors(flags.restApiEnableCorsSupport())
            .grpcThreads(flags.grpcMaxThreads())
            .savedModelTags(flags.savedModelTags())
            .grpcChannelArguments(flags.grpcChannelArguments())
            .methodNameCheck(flags.enableSignatureMethodNameCheck())
            .sessionThreads(flags.intraOpParallelism(), flags.interOpParallelism())
            .enableModelWarmup(flags.enableModelWarmup())
            .warmupIterations(flags.warmupIterations());
        if (flags.enableBatching()) {
            builder.enableBatching(true);
            if (flags.batchingParametersFile() != null) {
                builder.batchingParametersFile(Path.of(flags.batchingParametersFile()));
            }
        }
        if (flags.monitoringConfigFile() != null) {
            MonitoringConfig.Builder monitoring = MonitoringConfig.newBuilder();
            TextFormat.merge(Files.readString(Path.of(flags.monitoringConfigFile())), monitoring);
            if (monitoring.getPrometheusConfig().getEnable()) {
                String path = monitoring.getPrometheusConfig().getPath();
                builder.prometheusPath(path.isEmpty() ? DEFAULT_PROMETHEUS_PATH : path);
            }
        }
        if (flags.modelConfigFile() != null) {
            builder.modelConfigFile(Path.of(flags.modelConfigFile()), Duration.ofSeconds(flags.modelConfigFilePollWaitSeconds()));
        } else {
            builder.modelName(flags.modelName()).modelBasePath(Path.of(flags.modelBasePath()));
        }
        return builder;
    }

    /** This server's version: its jar's Implementation-Version, or "unknown" when run from classes (a build's tests). */
    static String version() {
        String version = ModelServerMain.class.getPackage().getImplementationVersion();
        return version == null ? "unknown" : version;
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
        if (flags.version()) {
            // TF Serving's two lines, so that scripts reading them work; the first says which server this is
            out.println("TensorFlow ModelServer: " + version() + " (tf-fashion's model server: TF Serving's gRPC and REST API)");
            out.println("TensorFlow Library: " + cpuProblem.map(p -> "not loaded: " + p).orElseGet(TensorFlow::version));
            return 0;
        }
        if (cpuProblem.isPresent()) {
            err.println("model-server: " + cpuProblem.get());
            return 1;
        }
        ModelServer.Builder builder;
        try {
            builder = builder(flags);
        } catch (IOException e) {
            err.println("model-server: cannot read a flag's file (--model_config_file, --batching_parameters_file or"
                + " --monitoring_config_file): " + e);
            return 2;
        } catch (IllegalArgumentException e) {
            err.println("model-server: " + e.getMessage());
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
