package dev.tffashion.modelserver;

import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;
import java.util.logging.Logger;
import tensorflow.serving.ModelServerConfigOuterClass.ModelConfig;
import tensorflow.serving.ModelServerConfigOuterClass.ModelConfigList;
import tensorflow.serving.ModelServerConfigOuterClass.ModelServerConfig;

/**
 * A TensorFlow-Serving-compatible model server on TensorFlow Java: TF Serving's gRPC services (PredictionService,
 * ModelService) and REST API over TF Serving's model base path layout ({@code <base>/<version>/saved_model.pb}).
 * Embeddable ({@link #builder()}) and runnable standalone ({@link ModelServerMain}).
 *
 * <pre>{@code
 * try (ModelServer server = ModelServer.builder().modelName("fashion").modelBasePath(models).build().start()) {
 *     String target = server.grpcTarget();   // 127.0.0.1:<free port>
 *     ...
 *     server.pollNow();                      // pick up a version folder renamed into place just now
 * }
 * }</pre>
 */
public final class ModelServer implements AutoCloseable {

    /**
     * The largest gRPC message this server takes: 512 MiB, or an eighth of the heap when that is less (32 MiB at -Xmx256m, about
     * 10000 pictures as float32 bytes). A message is held whole and parsed into a request beside it, so one near the heap's size
     * runs the process out of memory, and serve-manager, which embeds this server, exits on that. Larger: RESOURCE_EXHAUSTED.
     */
    static int maxMessageBytes(long heapBytes) {
        return (int) Math.min(MAX_MESSAGE_BYTES, heapBytes / 8);
    }

    /** A port value that turns the REST API off. */
    public static final int DISABLED = -1;

    private static final Logger LOG = Logger.getLogger(ModelServer.class.getName());
    /** The most a gRPC message may be, whatever the heap ({@link #maxMessageBytes} takes less on a small heap). */
    private static final int MAX_MESSAGE_BYTES = 512 * 1024 * 1024;

    private final ModelServerConfig config;
    private final ModelConfigFile configFile;
    private final String host;
    private final int requestedGrpcPort;
    private final int requestedRestPort;
    private final Duration pollInterval;
    private final int restThreads;
    private final Duration restTimeout;
    private final boolean restCors;
    private final int grpcThreads;
    private final Map<String, String> grpcChannelArguments;
    private ExecutorService grpcExecutor;
    private final long heapBytes;
    private final String prometheusPath;
    private final java.util.List<io.grpc.ServerInterceptor> interceptors;
    private final ServingMetrics metrics = new ServingMetrics();
    private final BatchScheduler batching;
    private final ModelRegistry registry;
    private final CountDownLatch terminated = new CountDownLatch(1);
    private ScheduledExecutorService poller;
    private Server grpc;
    private RestApi rest;
    private volatile boolean closed;

    private ModelServer(Builder builder) {
        this.interceptors = java.util.List.copyOf(builder.interceptors);
        this.config = builder.config();
        this.configFile = builder.modelConfigFile;
        this.host = builder.host;
        this.requestedGrpcPort = builder.grpcPort;
        this.requestedRestPort = builder.restPort;
        this.pollInterval = builder.pollInterval;
        this.restThreads = builder.restThreads;
        this.restTimeout = builder.restTimeout;
        this.restCors = builder.restCors;
        this.grpcThreads = builder.grpcThreads;
        this.grpcChannelArguments = builder.grpcChannelArguments;
        this.heapBytes = builder.heapBytes;
        this.prometheusPath = builder.prometheusPath;
        this.batching = builder.batching == null ? null : new BatchScheduler(builder.batching, metrics);
        this.registry = new ModelRegistry(new ServingContext(batching, metrics, builder.warmup ? builder.warmupIterations : 0,
            builder.sessionConfig, builder.savedModelTags, builder.methodNameCheck));
    }

    /** A builder with the embedded defaults: host 127.0.0.1, free gRPC and REST ports, a poll every second. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Checks the CPU, loads the models' current versions (a failed load is reported, not thrown), then opens the
     * gRPC and REST ports and starts polling the base paths.
     *
     * @return this server
     * @throws IOException              when a port cannot be bound
     * @throws IllegalStateException    when the CPU cannot run TensorFlow (see {@link NativeCpuCheck}) or the server was closed
     * @throws IllegalArgumentException when the model configuration is invalid
     */
    public synchronized ModelServer start() throws IOException {
        if (closed || poller != null) {
            throw new IllegalStateException("A ModelServer starts once; build a new one");
        }
        NativeCpuCheck.requireSupportedCpu();
        poller = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "model-server-poller");
            t.setDaemon(true);
            return t;
        });
        try {
            try {
                onPoller(() -> {
                    registry.apply(config);
                    registry.pollAll();
                });
            } catch (ServingException e) {
                throw new IllegalArgumentException("Invalid model configuration: " + e.getMessage(), e);
            }
            NettyServerBuilder grpcBuilder = NettyServerBuilder.forAddress(new InetSocketAddress(host, requestedGrpcPort))
                .addService(new PredictionServiceImpl(registry, metrics))
                .addService(new ModelServiceImpl(this))
                .maxInboundMessageSize(maxMessageBytes(heapBytes));
            GrpcChannelArguments.apply(grpcChannelArguments, grpcBuilder, maxMessageBytes(heapBytes), false);
            interceptors.forEach(grpcBuilder::intercept);
            if (grpcThreads > 0) {
                grpcExecutor = daemonPool("model-server-grpc-", grpcThreads);
                grpcBuilder.executor(grpcExecutor);
            }
            grpc = grpcBuilder.build().start();
            if (requestedRestPort != DISABLED) {
                rest = new RestApi(registry, metrics, prometheusPath, host, requestedRestPort, restThreads,
                    RestBodies.ofHeap(heapBytes), restTimeout, restCors);
                rest.start();
            }
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
        if (!pollInterval.isZero()) {
            long millis = pollInterval.toMillis();
            poller.scheduleWithFixedDelay(this::pollQuietly, millis, millis, TimeUnit.MILLISECONDS);
        }
        if (configFile != null && !configFile.pollWait().isZero()) {
            long millis = configFile.pollWait().toMillis();
            poller.scheduleWithFixedDelay(() -> configFile.poll(changed -> {
                registry.apply(changed);
                registry.pollAll();
            }), millis, millis, TimeUnit.MILLISECONDS);
        }
        LOG.info(() -> "Running gRPC ModelServer at " + host + ":" + grpcPort()
            + (rest == null ? "" : "; REST API at http://" + host + ":" + restPort() + "/v1/models/"));
        return this;
    }

    /** A fixed pool of {@code threads} daemon threads named {@code prefix} 1, 2, and so on. */
    static ExecutorService daemonPool(String prefix, int threads) {
        AtomicInteger n = new AtomicInteger();
        return Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, prefix + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    private void pollQuietly() {
        try {
            registry.pollAll();
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "Polling the model base paths failed; retrying at the next poll", e);
        }
    }

    private void onPoller(Runnable task) {
        try {
            poller.submit(task).get();
        } catch (RejectedExecutionException e) {
            throw new IllegalStateException("The model server is closed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while waiting for the model poller", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new IllegalStateException(e.getCause());
        }
    }

    /** Polls every base path now, on the poller thread, and returns once new versions are loaded (or failed). */
    public void pollNow() {
        requireRunning();
        onPoller(registry::pollAll);
    }

    /** Asks for a poll now without waiting; the future completes once it ran. */
    public CompletableFuture<Void> requestPoll() {
        requireRunning();
        try {
            return CompletableFuture.runAsync(registry::pollAll, poller);
        } catch (RejectedExecutionException e) {
            throw new IllegalStateException("The model server is closed", e);
        }
    }

    /** The statuses of a model's versions (oldest first), as GetModelStatus reports them; empty for an unknown model. */
    public List<VersionStatus> versionStatus(String modelName) {
        ServedModel model = registry.find(modelName);
        return model == null ? List.of() : model.statuses();
    }

    /** Replaces the served models (TF Serving's HandleReloadConfigRequest) and polls them before returning. */
    void reloadConfig(ModelServerConfig newConfig) {
        requireRunning();
        onPoller(() -> {
            registry.apply(newConfig);
            registry.pollAll();
        });
    }

    ModelRegistry registry() {
        return registry;
    }

    /** The batching parameters, or null when batching is off. */
    BatchingParameters batchingParameters() {
        return batching == null ? null : batching.parameters();
    }

    /** The metrics this server records (what its Prometheus endpoint shows). */
    ServingMetrics metrics() {
        return metrics;
    }

    private void requireRunning() {
        if (poller == null || closed) {
            throw new IllegalStateException("The model server is not running");
        }
    }

    /** The bound gRPC port. */
    public int grpcPort() {
        requireRunning();
        return grpc.getPort();
    }

    /** The bound REST port, or {@link #DISABLED}. */
    public int restPort() {
        requireRunning();
        return rest == null ? DISABLED : rest.port();
    }

    /** The room in the heap that REST bodies being read and parsed hold now, in bytes (0 without the REST API). */
    long restBodyBytesReserved() {
        return rest == null ? 0 : rest.bodies().reservedBytes();
    }

    /** The address the ports are bound to. */
    public String host() {
        return host;
    }

    /** The gRPC target for a channel, {@code host:port}. */
    public String grpcTarget() {
        return host + ":" + grpcPort();
    }

    /** Blocks until {@link #close()} has finished. */
    public void awaitTermination() throws InterruptedException {
        terminated.await();
    }

    /** Stops polling, closes the ports (waiting briefly for in-flight calls), then unloads every model. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            if (poller != null) {
                poller.shutdownNow();
                poller.awaitTermination(30, TimeUnit.SECONDS);
            }
            if (rest != null) {
                rest.stop();
            }
            if (grpc != null) {
                grpc.shutdown();
                if (!grpc.awaitTermination(5, TimeUnit.SECONDS)) {
                    grpc.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
                }
            }
            if (grpcExecutor != null) {
                grpcExecutor.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            registry.closeAll();
            if (batching != null) {
                batching.close();
            }
            terminated.countDown();
            LOG.info("Model server stopped");
        }
    }

    /** Settings of a {@link ModelServer}. */
    public static final class Builder {
        private String modelName = "default";
        private Path modelBasePath;
        private ModelServerConfig modelConfig;
        private ModelConfigFile modelConfigFile;
        private String host = "127.0.0.1";
        private int grpcPort;
        private int restPort;
        private Duration pollInterval = Duration.ofSeconds(1);
        private int restThreads = Math.max(4, 2 * Runtime.getRuntime().availableProcessors());
        private Duration restTimeout = RestTimeouts.DEFAULT;
        private boolean restCors;
        private int grpcThreads;
        private Map<String, String> grpcChannelArguments = Map.of();
        private Set<String> savedModelTags = Set.of(LoadedGraph.SERVE);
        private long heapBytes = Runtime.getRuntime().maxMemory();
        private BatchingParameters batching;
        private boolean warmup = true;
        private int warmupIterations = 1;
        private boolean methodNameCheck;
        private org.tensorflow.proto.ConfigProto sessionConfig;
        private String prometheusPath;
        private final java.util.List<io.grpc.ServerInterceptor> interceptors = new java.util.ArrayList<>();

        private Builder() {
        }

        /** The model name clients ask for (TF Serving's --model_name; default "default"). */
        public Builder modelName(String name) {
            this.modelName = Objects.requireNonNull(name, "modelName");
            return this;
        }

        /** The folder holding the numeric version folders (TF Serving's --model_base_path). */
        public Builder modelBasePath(Path basePath) {
            this.modelBasePath = Objects.requireNonNull(basePath, "modelBasePath");
            return this;
        }

        /** Serves several models (TF Serving's --model_config_file); replaces modelName/modelBasePath. */
        Builder modelConfig(ModelServerConfig config) {
            this.modelConfig = Objects.requireNonNull(config, "modelConfig");
            this.modelConfigFile = null;
            return this;
        }

        /**
         * Serves the models of a ModelServerConfig file in protobuf text format (TF Serving's --model_config_file), read again
         * every {@code pollWait} when that is not zero (--model_config_file_poll_wait_seconds; see {@link ModelConfigFile}).
         *
         * @throws IOException when the file cannot be read or does not parse
         */
        Builder modelConfigFile(Path file, Duration pollWait) throws IOException {
            ModelConfigFile read = ModelConfigFile.read(file, pollWait);
            this.modelConfig = read.initial();
            this.modelConfigFile = read;
            return this;
        }

        /** The address to bind (default 127.0.0.1; "0.0.0.0" for every interface). */
        public Builder host(String host) {
            this.host = Objects.requireNonNull(host, "host");
            return this;
        }

        /** The gRPC port; 0 (default) picks a free one. */
        public Builder grpcPort(int port) {
            this.grpcPort = checkPort(port, false);
            return this;
        }

        /** The REST port; 0 (default) picks a free one, {@link ModelServer#DISABLED} turns REST off. */
        public Builder restPort(int port) {
            this.restPort = checkPort(port, true);
            return this;
        }

        /** How often the base paths are polled (default 1 s); zero polls only at start and on {@link #pollNow()}. */
        public Builder pollInterval(Duration interval) {
            if (interval.isNegative()) {
                throw new IllegalArgumentException("pollInterval must not be negative: " + interval);
            }
            this.pollInterval = interval;
            return this;
        }

        /** Threads serving REST requests. */
        public Builder restThreads(int threads) {
            if (threads < 1) {
                throw new IllegalArgumentException("restThreads must be at least 1: " + threads);
            }
            this.restThreads = threads;
            return this;
        }

        /**
         * TF Serving's --rest_api_timeout_in_ms (default 30 s): the most time a REST request may take to arrive, and its
         * answer to be taken, before the connection is closed; whole seconds, once per JVM (see {@link RestTimeouts}).
         */
        public Builder restTimeout(Duration timeout) {
            RestTimeouts.seconds(timeout);
            this.restTimeout = timeout;
            return this;
        }

        /**
         * TF Serving's --saved_model_tags (default {@code serve}): the MetaGraph loaded from each SavedModel is the one tagged
         * with exactly these tags.
         */
        public Builder savedModelTags(Set<String> tags) {
            if (tags.isEmpty() || tags.stream().anyMatch(String::isBlank)) {
                throw new IllegalArgumentException("savedModelTags needs at least one tag, none blank: " + tags);
            }
            this.savedModelTags = Set.copyOf(tags);
            return this;
        }

        /**
         * TF Serving's --grpc_channel_arguments, parsed ({@link GrpcChannelArguments#parse}): the gRPC server settings that gRPC
         * Java has (connection age and idle time, keep-alive, message and metadata size, streams per connection); other keys are
         * logged and ignored, as gRPC core does.
         *
         * @throws IllegalArgumentException when an applied key's value is not a whole number in its range
         */
        public Builder grpcChannelArguments(Map<String, String> arguments) {
            GrpcChannelArguments.apply(arguments, NettyServerBuilder.forPort(0), Integer.MAX_VALUE, true);
            this.grpcChannelArguments = Map.copyOf(arguments);
            return this;
        }

        /**
         * TF Serving's --grpc_max_threads: the gRPC calls run on this many threads at the most, the rest wait for one; 0 (the
         * default) leaves it to gRPC, which starts a thread for each call running at once.
         */
        public Builder grpcThreads(int threads) {
            if (threads < 0) {
                throw new IllegalArgumentException("grpcThreads must not be negative: " + threads);
            }
            this.grpcThreads = threads;
            return this;
        }

        /**
         * TF Serving's --rest_api_enable_cors_support (default off): every REST answer says {@code Access-Control-Allow-Origin: *},
         * and a CORS preflight ({@code OPTIONS}) is answered 204 with the methods and headers a browser may send, so that a page
         * from another origin can call the REST API.
         */
        public Builder restCors(boolean enable) {
            this.restCors = enable;
            return this;
        }

        /**
         * The heap that the REST API's body limits and the gRPC message limit are shares of ({@link RestBodies},
         * {@link ModelServer#maxMessageBytes}); this JVM's maximum heap unless a test says.
         */
        Builder heapBytes(long bytes) {
            this.heapBytes = bytes;
            return this;
        }

        /**
         * TF Serving's --enable_batching: concurrent requests to the same signature are merged into one session run,
         * with TF Serving's default parameters (max_batch_size 1000, batch_timeout_micros 0, one thread per core,
         * max_enqueued_batches 10); {@link #batchingParametersFile(Path)} sets them.
         */
        public Builder enableBatching(boolean enable) {
            this.batching = enable ? (batching == null ? BatchingParameters.defaults() : batching) : null;
            return this;
        }

        /**
         * TF Serving's --batching_parameters_file (BatchingParameters in protobuf text format); turns batching on.
         *
         * @throws IOException              when the file cannot be read
         * @throws IllegalArgumentException when it is not valid
         */
        public Builder batchingParametersFile(Path file) throws IOException {
            try {
                this.batching = BatchingParameters.parse(Files.readString(file));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("Invalid --batching_parameters_file " + file + ": " + e.getMessage(), e);
            }
            return this;
        }

        /**
         * TF Serving's --tensorflow_intra_op_parallelism and --tensorflow_inter_op_parallelism: the threads TensorFlow runs one
         * op on, and the ops it runs at once; 0 leaves either to TensorFlow (the machine's cores). TensorFlow makes its thread
         * pools per process, with the first session: in a JVM with several model servers, the first one's values may hold.
         */
        public Builder sessionThreads(int intraOp, int interOp) {
            if (intraOp < 0 || interOp < 0) {
                throw new IllegalArgumentException("session threads must not be negative: intra-op " + intraOp + ", inter-op " + interOp);
            }
            this.sessionConfig = intraOp == 0 && interOp == 0 ? null : org.tensorflow.proto.ConfigProto.newBuilder()
                .setIntraOpParallelismThreads(intraOp).setInterOpParallelismThreads(interOp).build();
            return this;
        }

        /** TF Serving's --enable_model_warmup (default true): replay assets.extra/tf_serving_warmup_requests before AVAILABLE. */
        public Builder enableModelWarmup(boolean enable) {
            this.warmup = enable;
            return this;
        }

        /**
         * TF Serving's --enable_signature_method_name_check (default off, as in TF Serving since TF2): Predict then takes only
         * signatures whose method_name is predict, classify or regress, and Classify and Regress only their own; off, a
         * signature of the right shape serves whatever it names (TF2 models name none of these).
         */
        public Builder methodNameCheck(boolean enable) {
            this.methodNameCheck = enable;
            return this;
        }

        /** TF Serving's --num_request_iterations_for_warmup (default 1): how many times each warm-up record runs in a row. */
        public Builder warmupIterations(int iterations) {
            if (iterations < 1) {
                throw new IllegalArgumentException("warmupIterations must be at least 1: " + iterations);
            }
            this.warmupIterations = iterations;
            return this;
        }

        /**
         * Serves the metrics in Prometheus text format at this path of the REST port (TF Serving's
         * --monitoring_config_file with prometheus_config { enable: true, path: ... }); null turns it off (default).
         */
        public Builder prometheusPath(String path) {
            if (path != null && !path.startsWith("/")) {
                throw new IllegalArgumentException("The Prometheus path must start with '/': " + path);
            }
            this.prometheusPath = path;
            return this;
        }

        /** Intercepts every gRPC call (tracing: the caller's trace context and a server span per call); may be called again. */
        public Builder interceptor(io.grpc.ServerInterceptor interceptor) {
            this.interceptors.add(Objects.requireNonNull(interceptor, "interceptor"));
            return this;
        }

        private static int checkPort(int port, boolean mayDisable) {
            if ((port < 0 || port > 65535) && !(mayDisable && port == DISABLED)) {
                throw new IllegalArgumentException("port must be 0 (free port) to 65535" + (mayDisable ? " or DISABLED" : "")
                    + ": " + port);
            }
            return port;
        }

        private ModelServerConfig config() {
            if (modelConfig != null) {
                return modelConfig;
            }
            if (modelBasePath == null) {
                throw new IllegalArgumentException("Set modelBasePath (the folder of numeric version folders) or a model config");
            }
            return ModelServerConfig.newBuilder()
                .setModelConfigList(ModelConfigList.newBuilder().addConfig(ModelConfig.newBuilder()
                    .setName(modelName)
                    .setBasePath(modelBasePath.toAbsolutePath().toString())
                    .setModelPlatform("tensorflow")))
                .build();
        }

        /** A server with these settings, not started yet. */
        public ModelServer build() {
            return new ModelServer(this);
        }
    }
}
