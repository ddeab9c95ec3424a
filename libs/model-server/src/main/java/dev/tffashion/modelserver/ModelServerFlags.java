package dev.tffashion.modelserver;

import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/** The command line of {@link ModelServerMain}: tensorflow_model_server's flags, as {@code --flag=value} or {@code --flag value}. */
record ModelServerFlags(int port, int restApiPort, String modelName, String modelBasePath, String modelConfigFile,
                        long modelConfigFilePollWaitSeconds, long pollWaitSeconds, int restApiNumThreads, long restApiTimeoutMillis,
                        String host, boolean restApiEnableCorsSupport, boolean enableBatching, String batchingParametersFile,
                        String monitoringConfigFile,
                        boolean enableModelWarmup, int warmupIterations, int intraOpParallelism, int interOpParallelism, int grpcMaxThreads,
                        Set<String> savedModelTags, Map<String, String> grpcChannelArguments, boolean enableSignatureMethodNameCheck,
                        boolean version, boolean help) {

    static final String USAGE = """
        usage: java -jar model-server.jar [flags]   (the flags of tensorflow_model_server)
          --port=8500                         gRPC port (0: a free port)
          --rest_api_port=0                   REST API port (0: no REST API, as in TF Serving)
          --model_name=default                the model's name in requests
          --model_base_path=PATH              folder of numeric version folders: PATH/<version>/saved_model.pb
          --model_config_file=FILE            a ModelServerConfig in protobuf text format; when set, the two above are
                                              ignored (as in TF Serving)
          --model_config_file_poll_wait_seconds=0
                                              seconds between reads of --model_config_file, whose changes are applied
                                              (0: read once, at startup)
          --file_system_poll_wait_seconds=1   seconds between polls of the base path (0: only at startup)
          --rest_api_num_threads=N            threads serving REST requests
          --rest_api_timeout_in_ms=30000      the most time a REST request may take to arrive, and its answer to be
                                              taken, before its connection is closed (whole seconds, rounded up)
          --rest_api_enable_cors_support[=true]
                                              answer browsers from other origins: Access-Control-Allow-Origin: * on
                                              every REST answer, and CORS preflights (OPTIONS) answered 204
          --enable_batching[=true]            merge concurrent requests into one session run
          --batching_parameters_file=FILE     BatchingParameters in protobuf text format (max_batch_size,
                                              batch_timeout_micros, num_batch_threads, max_enqueued_batches)
          --monitoring_config_file=FILE       MonitoringConfig in protobuf text format; prometheus_config { enable:
                                              true, path: "/monitoring/prometheus/metrics" } serves the metrics on the REST port
          --enable_model_warmup=true          replay assets.extra/tf_serving_warmup_requests before a version serves
          --num_request_iterations_for_warmup=1
                                              times each warm-up record runs (0: the default, 1)
          --tensorflow_intra_op_parallelism=0 threads that run one op (0: TensorFlow's choice, the machine's cores)
          --tensorflow_inter_op_parallelism=0 ops run at once (0: TensorFlow's choice)
          --tensorflow_session_parallelism=0  both of the above, when neither is set
          --grpc_max_threads=0                threads running gRPC calls at the most (0: gRPC's choice, a thread
                                              for each call running at once)
          --grpc_channel_arguments=K=V,K=V    gRPC server settings, e.g. grpc.max_connection_age_ms=2000 (those gRPC
                                              Java has: connection age and idle, keep-alive, message and metadata
                                              size, streams per connection; others are logged and ignored)
          --enable_signature_method_name_check[=true]
                                              signatures must name the method a request calls (predict, classify,
                                              regress); off: their shape decides, as TF2 models name none
          --saved_model_tags=serve            comma-separated tags of the MetaGraph to load from each SavedModel
          --host=0.0.0.0                      address to bind (not a TF Serving flag)
          --version                           the server's version and TensorFlow's, then exit
          --help                              this text
        """;

    private static final Set<String> KNOWN = Set.of("port", "rest_api_port", "model_name", "model_base_path",
        "model_config_file", "model_config_file_poll_wait_seconds", "file_system_poll_wait_seconds", "rest_api_num_threads",
        "rest_api_timeout_in_ms", "rest_api_enable_cors_support", "host", "help", "enable_batching", "batching_parameters_file",
        "monitoring_config_file",
        "enable_model_warmup", "tensorflow_intra_op_parallelism", "tensorflow_inter_op_parallelism", "tensorflow_session_parallelism",
        "grpc_max_threads", "saved_model_tags", "grpc_channel_arguments", "num_request_iterations_for_warmup", "version",
        "enable_signature_method_name_check");

    /**
     * tensorflow_model_server's other flags (its main.cc): named as such when given, so that a command line brought from TF
     * Serving says which flag to remove instead of "unknown".
     */
    private static final Set<String> TF_SERVING_ONLY = Set.of("grpc_socket_path", "allow_version_labels_for_unavailable_models",
        "enable_per_model_batching_parameters", "num_load_threads", "num_unload_threads", "max_num_load_retries",
        "load_retry_interval_micros", "flush_filesystem_caches", "tensorflow_session_config_file", "use_alts_credentials",
        "ssl_config_file", "platform_config_file", "per_process_gpu_memory_fraction", "remove_unused_fields_from_bundle_metagraph",
        "prefer_tflite_model", "num_tflite_pools", "num_tflite_interpreters_per_pool", "xla_cpu_compilation_enabled", "enable_profiler",
        "thread_pool_factory_config_file");
    private static final Set<String> BOOLEAN = Set.of("help", "version", "enable_batching", "enable_model_warmup",
        "rest_api_enable_cors_support", "enable_signature_method_name_check");

    /**
     * Parses the arguments.
     *
     * @throws IllegalArgumentException naming the flag that is unknown, lacks a value or has a bad one
     */
    static ModelServerFlags parse(String... args) {
        Map<String, String> values = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (!arg.startsWith("-") || arg.equals("-") || arg.equals("--")) {
                throw new IllegalArgumentException("Unexpected argument '" + arg + "': flags look like --port=8500");
            }
            String flag = arg.startsWith("--") ? arg.substring(2) : arg.substring(1);
            String value = null;
            int eq = flag.indexOf('=');
            if (eq >= 0) {
                value = flag.substring(eq + 1);
                flag = flag.substring(0, eq);
            }
            if (flag.equals("h")) {
                flag = "help";
            }
            if (TF_SERVING_ONLY.contains(flag)) {
                throw new IllegalArgumentException("--" + flag + " is a flag of tensorflow_model_server that this model server does"
                    + " not implement; remove it (the flags it takes are below)");
            }
            if (!KNOWN.contains(flag)) {
                throw new IllegalArgumentException("Unknown flag --" + flag);
            }
            if (BOOLEAN.contains(flag)) {
                String bool = value == null ? "true" : value;
                if (!bool.equals("true") && !bool.equals("false")) {
                    throw new IllegalArgumentException("Flag --" + flag + " takes true or false, got '" + bool + "'");
                }
                values.put(flag, bool);
                continue;
            }
            if (value == null) {
                if (i + 1 >= args.length) {
                    throw new IllegalArgumentException("Flag --" + flag + " needs a value: --" + flag + "=VALUE or --" + flag + " VALUE");
                }
                value = args[++i];
            }
            values.put(flag, value);
        }
        boolean help = Boolean.parseBoolean(values.getOrDefault("help", "false"));
        boolean version = Boolean.parseBoolean(values.getOrDefault("version", "false"));
        String basePath = values.get("model_base_path");
        String configFile = values.get("model_config_file");
        if (!help && !version && basePath == null && configFile == null) {
            throw new IllegalArgumentException("Set --model_base_path (with --model_name) or --model_config_file");
        }
        // As tensorflow_model_server: with --model_config_file, --model_name and --model_base_path are ignored. tensorflow/serving's
        // image always passes both from MODEL_NAME and MODEL_BASE_PATH, and a config file given as an argument must win over them.
        String modelName = values.getOrDefault("model_name", "default");
        if (configFile != null) {
            basePath = null;
            modelName = "default";
        }
        long pollWait = integer(values, "file_system_poll_wait_seconds", 1, 0, Integer.MAX_VALUE);
        int intraOp = (int) integer(values, "tensorflow_intra_op_parallelism", 0, 0, 4096);
        int interOp = (int) integer(values, "tensorflow_inter_op_parallelism", 0, 0, 4096);
        int session = (int) integer(values, "tensorflow_session_parallelism", 0, 0, 4096);
        if (session > 0 && intraOp > 0 && interOp > 0) {
            throw new IllegalArgumentException("Set --tensorflow_session_parallelism or --tensorflow_intra_op_parallelism and"
                + " --tensorflow_inter_op_parallelism, not all three (as tensorflow_model_server)");
        }
        return new ModelServerFlags(
            (int) integer(values, "port", 8500, 0, 65535),
            (int) integer(values, "rest_api_port", 0, 0, 65535),
            modelName,
            basePath,
            configFile,
            integer(values, "model_config_file_poll_wait_seconds", 0, 0, Integer.MAX_VALUE),
            pollWait,
            (int) integer(values, "rest_api_num_threads", Math.max(4, 2 * Runtime.getRuntime().availableProcessors()), 1, 1024),
            integer(values, "rest_api_timeout_in_ms", RestTimeouts.DEFAULT.toMillis(), 1, Integer.MAX_VALUE),
            values.getOrDefault("host", "0.0.0.0"),
            Boolean.parseBoolean(values.getOrDefault("rest_api_enable_cors_support", "false")),
            Boolean.parseBoolean(values.getOrDefault("enable_batching", "false")),
            values.get("batching_parameters_file"),
            values.get("monitoring_config_file"),
            Boolean.parseBoolean(values.getOrDefault("enable_model_warmup", "true")),
            // as TF Serving: "used only if > 0"
            (int) Math.max(1, integer(values, "num_request_iterations_for_warmup", 1, 0, 1_000_000)),
            intraOp > 0 || interOp > 0 ? intraOp : session,
            intraOp > 0 || interOp > 0 ? interOp : session,
            (int) integer(values, "grpc_max_threads", 0, 0, 4096),
            tags(values.getOrDefault("saved_model_tags", LoadedGraph.SERVE)),
            values.containsKey("grpc_channel_arguments") ? GrpcChannelArguments.parse(values.get("grpc_channel_arguments")) : Map.of(),
            Boolean.parseBoolean(values.getOrDefault("enable_signature_method_name_check", "false")),
            version,
            help);
    }

    /** TF Serving's --saved_model_tags: comma-separated, blanks around a tag dropped. */
    private static Set<String> tags(String text) {
        Set<String> tags = new HashSet<>();
        for (String tag : text.split(",", -1)) {
            if (tag.isBlank()) {
                throw new IllegalArgumentException("Flag --saved_model_tags takes tags separated by commas, e.g. serve or serve,gpu;"
                    + " got '" + text + "'");
            }
            tags.add(tag.strip());
        }
        return Set.copyOf(tags);
    }

    private static long integer(Map<String, String> values, String flag, long fallback, long min, long max) {
        String text = values.get(flag);
        if (text == null) {
            return fallback;
        }
        try {
            long value = Long.parseLong(text.trim());
            if (value < min || value > max) {
                throw new IllegalArgumentException("Flag --" + flag + " must be between " + min + " and " + max + ", got " + text);
            }
            return value;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("Flag --" + flag + " takes a whole number, got '" + text + "'");
        }
    }
}
