package dev.tffashion.e2e;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The whole pipeline as separate processes on 127.0.0.1, for the *IT tests and the benchmark: the packaged
 * kafka-local broker (java -jar) and the five packaged Quarkus services (quarkus-run.jar), each on free ports, with
 * a shared content store and models folder under one work folder. Processes are ended by handle, services first,
 * the broker last.
 * <p>
 * With replicas (ScaleIT, the scale bench) a service runs several times, as {@code bin/tf-fashion up --replicas N} runs them:
 * replica 1 keeps the service's name, replica k is {@code <service>-k}, each with {@code TF_FASHION_INSTANCE} set to its name, and
 * the data topics get at least as many partitions. With more than one serve-manager the model server runs as its own process
 * ({@value #MODEL_SERVER}) and every serve-manager is in external mode against it, so its ports stay put when the active
 * serve-manager changes.
 */
public final class PipelineProcesses implements AutoCloseable {

    /** The five services, in start order (file-drop last: the front door). */
    public static final List<String> SERVICES = List.of("learn", "serve-manager", "image-convert", "predict", "file-drop");

    /** The name of the broker's process (for {@link #kill}, {@link #restart}, logs). */
    public static final String BROKER = "kafka";

    /** The name of the standalone model server's process, started only with more than one replica. */
    public static final String MODEL_SERVER = "model-server";

    /** How long a service may take to get ready; -De2e.ready-timeout-seconds=N for a machine under heavy load. */
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(Long.getLong("e2e.ready-timeout-seconds", 240));

    private final Path root;
    private final Path work;
    private final Path logs;
    /** Replaced by {@link #restartServices} (the bench's cost comparisons run the same services with other options). */
    private volatile Map<String, List<String>> extraJvmOptions;
    private final Map<String, Integer> replicas;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final Map<String, Integer> httpPorts = new LinkedHashMap<>();
    /** Synchronized: the scale run restarts replicas from threads of their own. */
    private final Map<String, Process> processes = Collections.synchronizedMap(new LinkedHashMap<>());
    private Process kafka;
    private Process modelServer;
    private Path kafkaJar;
    private int kafkaPort;
    private int controllerPort;
    private int grpcPort;
    private int restPort;
    private volatile String writeToken;

    private PipelineProcesses(Path root, Path work, Map<String, List<String>> extraJvmOptions, Map<String, Integer> replicas) {
        replicas.forEach((service, count) -> {
            // 0 leaves a service out (the index-at-scale measurement runs the broker and file-drop only)
            if (!SERVICES.contains(service) || count < 0) {
                throw new IllegalArgumentException("replicas: " + service + "=" + count + "; services are " + SERVICES
                    + " and counts at least 0");
            }
        });
        this.root = root;
        this.work = work;
        this.logs = work.resolve("logs");
        this.extraJvmOptions = extraJvmOptions;
        this.replicas = replicas;
    }

    /**
     * Starts the broker and the five services and waits until each is ready.
     *
     * @param work            a fresh folder for logs, the store, the models and the broker's data
     * @param extraJvmOptions per service name, JVM options added to its command line (e.g. -Dquarkus.otel.sdk.disabled=false)
     */
    public static PipelineProcesses start(Path work, Map<String, List<String>> extraJvmOptions) throws IOException {
        return start(work, extraJvmOptions, Map.of());
    }

    /** Starts the broker and {@code replicas} of every service (the model server on its own when replicas > 1). */
    public static PipelineProcesses start(Path work, Map<String, List<String>> extraJvmOptions, int replicas) throws IOException {
        var counts = new LinkedHashMap<String, Integer>();
        SERVICES.forEach(service -> counts.put(service, replicas));
        return start(work, extraJvmOptions, counts);
    }

    /**
     * Starts the broker, the model server on its own when more than one serve-manager runs, and the replicas of each service
     * (one where {@code replicas} does not name it), and waits until each is ready.
     *
     * @param extraJvmOptions per service name (every replica) or replica name (that one), JVM options added to its command line
     */
    public static PipelineProcesses start(Path work, Map<String, List<String>> extraJvmOptions, Map<String, Integer> replicas)
            throws IOException {
        var pipeline = new PipelineProcesses(projectRoot(), work, extraJvmOptions, Map.copyOf(replicas));
        Runtime.getRuntime().addShutdownHook(new Thread(pipeline::close, "e2e-pipeline-stop"));
        try {
            pipeline.startAll();
        } catch (RuntimeException | IOException | Error e) {
            pipeline.close();
            throw e;
        }
        return pipeline;
    }

    /** How long a service may take to get ready (-De2e.ready-timeout-seconds). */
    public static Duration readyTimeout() {
        return READY_TIMEOUT;
    }

    /** The project root: system property tffashion.root, else the first folder up from the working directory with mvnw and services/. */
    public static Path projectRoot() {
        var configured = System.getProperty("tffashion.root");
        if (configured != null) {
            return Path.of(configured).toAbsolutePath().normalize();
        }
        for (var dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.exists(dir.resolve("mvnw")) && Files.isDirectory(dir.resolve("services"))) {
                return dir;
            }
        }
        throw new IllegalStateException("cannot find the tf-fashion project root from " + Path.of("").toAbsolutePath()
            + "; set -Dtffashion.root=<checkout>");
    }

    /**
     * A Kafka client default every service ships, read from the libs/pipeline-quarkus jar inside predict's built application
     * ({@code services/predict/target/quarkus-app/lib/main}, or beside {@code -De2e.jar.predict}): its
     * {@code META-INF/microprofile-config.properties}, key {@code mp.messaging.connector.smallrye-kafka.<key>}, in
     * milliseconds. The runs keep the shipped value instead of setting their own, and say which one they ran with.
     */
    public static Duration shippedKafkaDefault(String key) {
        var shipped = ShippedDefaults.PROPERTIES;
        String value = shipped.defaults().getProperty("mp.messaging.connector.smallrye-kafka." + key);
        if (value == null) {
            throw new IllegalStateException(shipped.jar() + " sets no mp.messaging.connector.smallrye-kafka." + key);
        }
        return Duration.ofMillis(Long.parseLong(value.trim()));
    }

    /** The shipped defaults, read once (on first use) from the jar {@link #shippedKafkaDefault} names. */
    private record ShippedDefaults(Path jar, Properties defaults) {
        static final ShippedDefaults PROPERTIES = read();
    }

    private static ShippedDefaults read() {
        var other = System.getProperty("e2e.jar.predict");
        var app = other != null ? Path.of(other) : projectRoot().resolve("services/predict/target/quarkus-app/quarkus-run.jar");
        var lib = app.toAbsolutePath().getParent().resolve("lib/main");
        Path jar;
        try (var jars = Files.list(lib)) {
            jar = jars.filter(p -> p.getFileName().toString().startsWith("dev.tffashion.pipeline-quarkus-")).findFirst()
                .orElseThrow(() -> new IllegalStateException("no dev.tffashion.pipeline-quarkus jar in " + lib));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + lib + ": build the project first (./mvnw -B install -DskipTests)", e);
        }
        var defaults = new Properties();
        try (var zip = FileSystems.newFileSystem(jar);
                var in = Files.newBufferedReader(zip.getPath("META-INF/microprofile-config.properties"), StandardCharsets.UTF_8)) {
            defaults.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the shipped Kafka defaults in " + jar, e);
        }
        return new ShippedDefaults(jar, defaults);
    }

    private void startAll() throws IOException {
        Files.createDirectories(logs);
        kafkaJar = kafkaLocalJar(root);
        for (var service : SERVICES) {
            requireFile(serviceJar(service));
        }
        kafkaPort = freePort();
        controllerPort = freePort();
        grpcPort = freePort();
        restPort = freePort();
        for (var name : names()) {
            httpPorts.put(name, freePort());
        }
        long started = System.nanoTime();
        startBroker();
        if (standaloneModelServer()) {
            startModelServer();
        }
        for (var name : names()) {
            processes.put(name, launchService(name));
        }
        for (var name : names()) {
            awaitReady(name);
        }
        System.out.printf("e2e: pipeline ready in %.1f s (file-drop http://127.0.0.1:%d, logs %s)%n",
            (System.nanoTime() - started) / 1e9, httpPorts.get("file-drop"), logs);
    }

    /** Launches kafka-local on the run's ports and data folder and waits for its ready line (appended to its log after this launch). */
    private void startBroker() throws IOException {
        long started = System.nanoTime();
        long logged = Files.exists(log("kafka")) ? Files.size(log("kafka")) : 0;
        kafka = launch("kafka", brokerCommand(kafkaJar, kafkaPort, controllerPort, work.resolve("kafka")), Map.of());
        await("Kafka ready line in " + log("kafka")).atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(100))
            .until(() -> {
                requireAlive("kafka", kafka);
                return logSince("kafka", logged).contains("Kafka ready at");
            });
        System.out.printf("e2e: Kafka ready at %s (pid %d) in %.1f s%n", bootstrap(), kafka.pid(), (System.nanoTime() - started) / 1e9);
    }

    /** kafka-local's jar as the build left it (libs/kafka-local/target), or a clear failure that says to build first. */
    public static Path kafkaLocalJar(Path root) {
        var version = System.getProperty("project.version", "0.1.0-SNAPSHOT");
        return requireFile(root.resolve("libs/kafka-local/target/kafka-local-" + version + ".jar"));
    }

    /**
     * The command that starts kafka-local on 127.0.0.1 as bin/tf-fashion starts it: this JVM's java, with the broker's JVM
     * options from libs/kafka-local/jvm.options (a java @file, beside the jar's module). It prints "Kafka ready at" when ready.
     */
    public static List<String> brokerCommand(Path kafkaJar, int port, int controllerPort, Path dataDir) {
        return List.of(java(), "@" + kafkaJar.getParent().getParent().resolve("jvm.options"), "-jar", kafkaJar.toString(),
            "--host", "127.0.0.1", "--port", Integer.toString(port), "--controller-port", Integer.toString(controllerPort),
            "--data-dir", dataDir.toString());
    }

    private String logSince(String name, long offset) throws IOException {
        try (var channel = Files.newByteChannel(log(name))) {
            channel.position(offset);
            var bytes = java.nio.ByteBuffer.allocate((int) Math.max(0, channel.size() - offset));
            while (bytes.hasRemaining() && channel.read(bytes) > 0) {
                continue;
            }
            return new String(bytes.array(), 0, bytes.position(), StandardCharsets.UTF_8);
        }
    }

    /** Every service process's name, in start order: the replicas of each service after its first. */
    public List<String> names() {
        var names = new ArrayList<String>();
        for (var service : SERVICES) {
            for (int k = 1; k <= replicas.getOrDefault(service, 1); k++) {
                names.add(k == 1 ? service : service + "-" + k);
            }
        }
        return names;
    }

    /** The names of a service's replicas, replica 1 first. */
    public List<String> replicasOf(String service) {
        return names().stream().filter(name -> serviceOf(name).equals(service)).toList();
    }

    /** The service a process name belongs to: {@code predict-2} → {@code predict}. */
    public static String serviceOf(String name) {
        int dash = name.lastIndexOf('-');
        return dash > 0 && name.substring(dash + 1).chars().allMatch(Character::isDigit) ? name.substring(0, dash) : name;
    }

    private boolean standaloneModelServer() {
        return replicas.getOrDefault("serve-manager", 1) > 1;
    }

    private int mostReplicas() {
        return replicas.values().stream().mapToInt(Integer::intValue).max().orElse(1);
    }

    /** The model server on its own (libs/model-server's main, from serve-manager's build), polling the models folder. */
    private void startModelServer() throws IOException {
        long started = System.nanoTime();
        var lib = serviceJar("serve-manager").toAbsolutePath().getParent().resolve("lib/main");
        if (!Files.isDirectory(lib)) {
            throw new IllegalStateException(lib + " is missing: build the project first (./mvnw -B install -DskipTests)");
        }
        Files.createDirectories(modelsRoot().resolve("fashion"));
        modelServer = launch(MODEL_SERVER, List.of(java(), "-Xms16m", "-Xmx256m", "-XX:+UseSerialGC", "-cp", lib + "/*",
            "dev.tffashion.modelserver.ModelServerMain", "--host=127.0.0.1", "--port=" + grpcPort, "--rest_api_port=" + restPort,
            "--model_name=fashion", "--model_base_path=" + modelsRoot().resolve("fashion"), "--file_system_poll_wait_seconds=1"),
            Map.of("MALLOC_ARENA_MAX", "2"));
        await("model server on " + grpcTarget() + " (log " + log(MODEL_SERVER) + ")").atMost(Duration.ofSeconds(120))
            .pollInterval(Duration.ofMillis(100)).until(() -> {
                requireAlive(MODEL_SERVER, modelServer);
                try (var socket = new java.net.Socket(InetAddress.getLoopbackAddress(), grpcPort)) {
                    return true;
                } catch (IOException e) {
                    return false;
                }
            });
        System.out.printf("e2e: model server ready at %s (pid %d) in %.1f s%n", grpcTarget(), modelServer.pid(),
            (System.nanoTime() - started) / 1e9);
    }

    private Process launchService(String name) throws IOException {
        var service = serviceOf(name);
        var command = new ArrayList<String>();
        command.add(java());
        // The service's own JVM settings (heap, GC), as bin/tf-fashion and its image start it: services/<name>/jvm.options
        command.add("@" + root.resolve("services").resolve(service).resolve("jvm.options"));
        command.add("-Dquarkus.http.port=" + httpPorts.get(name));
        command.add("-Dquarkus.http.host=127.0.0.1");
        command.addAll(extraJvmOptions.getOrDefault(service, List.of()));
        if (!name.equals(service)) {
            command.addAll(extraJvmOptions.getOrDefault(name, List.of()));
        }
        // Options for every service of the run, e.g. a flight recording: -De2e.service-jvm-options="-XX:StartFlightRecording=..."
        String everyService = System.getProperty("e2e.service-jvm-options", "").strip();
        if (!everyService.isEmpty()) {
            command.addAll(List.of(everyService.split("\\s+")));
        }
        command.add("-jar");
        command.add(serviceJar(service).toString());
        var env = new LinkedHashMap<String, String>();
        env.put("KAFKA_BOOTSTRAP_SERVERS", bootstrap());
        env.put("TF_FASHION_PIPELINE", "tf-fashion");
        env.put("TF_FASHION_STORE_ROOT", work.resolve("store").toString());
        env.put("TF_FASHION_INSTANCE", name);
        env.put("TF_FASHION_FILE_DROP_STATE_DIR", work.resolve("file-drop-index").resolve(name).toString());
        env.put("SERVING_MODELS_ROOT", work.resolve("models").toString());
        if (mostReplicas() > 3) {
            env.put("TF_FASHION_TOPICS_PARTITIONS", Integer.toString(mostReplicas()));
        }
        if (standaloneModelServer()) {
            env.put("SERVING_MODE", "external");
            env.put("SERVING_GRPC_TARGET", grpcTarget());
            env.put("SERVING_REST_URL", "http://127.0.0.1:" + restPort);
        } else {
            env.put("SERVING_MODE", "embedded");
            env.put("SERVING_GRPC_PORT", Integer.toString(grpcPort));
            env.put("SERVING_REST_PORT", Integer.toString(restPort));
        }
        env.put("MALLOC_ARENA_MAX", "2");
        return launch(name, command, env);
    }

    private Process launch(String name, List<String> command, Map<String, String> env) throws IOException {
        var dir = Files.createDirectories(work.resolve("run").resolve(name));
        var builder = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log(name).toFile()));
        builder.environment().remove("FILE_DROP_TOKEN");
        builder.environment().putAll(env);
        return builder.start();
    }

    private void awaitReady(String service) {
        long started = System.nanoTime();
        var url = URI.create("http://127.0.0.1:" + httpPorts.get(service) + "/q/health/ready");
        await(service + " ready at " + url + " (log " + log(service) + ")").atMost(READY_TIMEOUT)
            .pollInterval(Duration.ofMillis(250)).ignoreExceptionsInstanceOf(IOException.class)
            .until(() -> {
                requireAlive(service, processes.get(service));
                return get(url).statusCode() == 200;
            });
        System.out.printf("e2e: %s ready (pid %d) after %.1f s%n", service, processes.get(service).pid(),
            (System.nanoTime() - started) / 1e9);
    }

    private void requireAlive(String name, Process process) throws IOException {
        if (!process.isAlive()) {
            var lines = Files.readAllLines(log(name), StandardCharsets.UTF_8);
            throw new IllegalStateException(name + " exited with code " + process.exitValue() + " while starting; last lines of "
                + log(name) + ":\n" + String.join("\n", lines.subList(Math.max(0, lines.size() - 15), lines.size())));
        }
    }

    /** kill -9 of a service replica, the model server or the broker ({@value #BROKER}), by its handle; waits until it is gone. */
    public void kill(String name) throws InterruptedException {
        var process = process(name);
        process.destroyForcibly();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            throw new IllegalStateException(name + " (pid " + process.pid() + ") did not die within 30 s of SIGKILL");
        }
    }

    /**
     * Freezes a service or the broker with SIGSTOP, by its process id, so that work piles up in front of it (a hung process); a
     * later {@link #kill} ends it as usual.
     */
    public void suspend(String name) throws IOException, InterruptedException {
        var process = process(name);
        var stop = new ProcessBuilder("kill", "-STOP", Long.toString(process.pid())).redirectErrorStream(true).start();
        var output = new String(stop.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).strip();
        if (stop.waitFor() != 0) {
            throw new IllegalStateException("kill -STOP " + process.pid() + " (" + name + ") failed: " + output);
        }
    }

    /**
     * Starts a service again on the same ports and waits until it is ready; for the broker ({@value #BROKER}), starts kafka-local
     * again on the same ports and data folder and waits for its ready line.
     */
    public void restart(String name) throws IOException {
        var old = process(name);
        if (old.isAlive()) {
            throw new IllegalStateException(name + " is still running (pid " + old.pid() + "); kill it first");
        }
        if (BROKER.equals(name)) {
            startBroker();
            return;
        }
        if (MODEL_SERVER.equals(name)) {
            startModelServer();
            return;
        }
        processes.put(name, launchService(name));
        awaitReady(name);
    }

    /**
     * Stops every service (SIGTERM, in reverse start order, as {@link #close}) and starts them again on the same ports, store and
     * broker with other JVM options, then waits until each is ready. The broker and its data stay: the bench uses it to measure
     * the same pipeline with tracing on and off.
     *
     * @param extraJvmOptions per service or replica name, JVM options added to its command line (replacing those of the start)
     */
    public void restartServices(Map<String, List<String>> extraJvmOptions) throws IOException {
        var running = new ArrayList<>(processes.keySet());
        for (int i = running.size() - 1; i >= 0; i--) {
            stop(running.get(i), processes.get(running.get(i)));
        }
        this.extraJvmOptions = Map.copyOf(extraJvmOptions);
        long started = System.nanoTime();
        for (var name : names()) {
            processes.put(name, launchService(name));
        }
        for (var name : names()) {
            awaitReady(name);
        }
        System.out.printf("e2e: services restarted and ready in %.1f s%n", (System.nanoTime() - started) / 1e9);
    }

    /** Waits until every service answers its readiness check again (after a broker restart, say). */
    public void awaitAllReady() {
        for (var name : names()) {
            awaitReady(name);
        }
    }

    /** Whether the process of a service or of the broker ({@value #BROKER}) is running. */
    public boolean isAlive(String name) {
        return process(name).isAlive();
    }

    private Process process(String name) {
        var process = BROKER.equals(name) ? kafka : MODEL_SERVER.equals(name) ? modelServer : processes.get(name);
        if (process == null) {
            throw new IllegalArgumentException("no process named " + name + "; known: " + BROKER + ", "
                + (modelServer != null ? MODEL_SERVER + ", " : "") + names());
        }
        return process;
    }

    /** Kafka bootstrap address. */
    public String bootstrap() {
        return "127.0.0.1:" + kafkaPort;
    }

    /** The file drop's base URL (its first replica). */
    public URI fileDrop() {
        return URI.create("http://127.0.0.1:" + httpPorts.get("file-drop"));
    }

    /** Every file-drop replica's base URL, replica 1 first. */
    public List<URI> fileDrops() {
        return replicasOf("file-drop").stream().map(this::http).toList();
    }

    /** A service's base URL (its HTTP port on 127.0.0.1: health, /q/metrics, its API). */
    public URI http(String service) {
        var port = httpPorts.get(service);
        if (port == null) {
            throw new IllegalArgumentException("no service named " + service + "; known: " + names());
        }
        return URI.create("http://127.0.0.1:" + port);
    }

    /** The model server's gRPC target (host:port): embedded in serve-manager, or its own process with replicas. */
    public String grpcTarget() {
        return "127.0.0.1:" + grpcPort;
    }

    /** The embedded model server's models folder. */
    public Path modelsRoot() {
        return work.resolve("models");
    }

    /** Process ids by name (kafka and the services). */
    public Map<String, Long> pids() {
        var pids = new LinkedHashMap<String, Long>();
        pids.put("kafka", kafka.pid());
        if (modelServer != null) {
            pids.put(MODEL_SERVER, modelServer.pid());
        }
        processes.forEach((name, process) -> pids.put(name, process.pid()));
        return pids;
    }

    /** Resident memory of a process in KiB, from /proc (empty when it is gone). */
    public static Optional<Long> rssKib(long pid) {
        try {
            for (var line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Optional.of(Long.parseLong(line.replaceAll("[^0-9]", "")));
                }
            }
        } catch (IOException e) {
            return Optional.empty();
        }
        return Optional.empty();
    }

    /**
     * The write token file-drop was started with ({@code -Dfile-drop.token=...} among its JVM options): every POST of this class
     * sends it as {@code Authorization: Bearer}. Without it (the default) the writes are open and nothing is sent.
     */
    public void useWriteToken(String token) {
        writeToken = token;
    }

    /** POSTs raw bytes to /scriptInput or /imageInput and returns the new value id. */
    public String drop(String task, String name, byte[] content) throws IOException, InterruptedException {
        return drop(task, name, content, Map.of());
    }

    /** {@link #drop(String, String, byte[])} with these request headers too (a client's {@code traceparent}, say). */
    public String drop(String task, String name, byte[] content, Map<String, String> headers) throws IOException, InterruptedException {
        var builder = authorized(HttpRequest.newBuilder(fileDrop().resolve("/" + task + "?name=" + name)))
            .timeout(Duration.ofSeconds(30)).header("Content-Type", "application/octet-stream");
        headers.forEach(builder::header);
        var request = builder.POST(HttpRequest.BodyPublishers.ofByteArray(content)).build();
        var response = http.send(request, HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 202) {
            throw new IllegalStateException("POST /" + task + " of " + name + " answered " + response.statusCode() + ": "
                + response.body());
        }
        return Jsons.read(response.body()).path("id").asText();
    }

    /** POSTs a JSON body to file-drop (with the write token, when one is used), with a 10 s timeout. */
    public HttpResponse<String> post(String path, String json) throws IOException, InterruptedException {
        return http.send(authorized(HttpRequest.newBuilder(fileDrop().resolve(path))).timeout(Duration.ofSeconds(10))
            .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json)).build(),
            HttpResponse.BodyHandlers.ofString());
    }

    private HttpRequest.Builder authorized(HttpRequest.Builder request) {
        var token = writeToken;
        return token == null ? request : request.header("Authorization", "Bearer " + token);
    }

    /** GET with a 10 s timeout. */
    public HttpResponse<String> get(URI uri) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The log file of a process. */
    public Path log(String name) {
        return logs.resolve(name + ".log");
    }

    /** Ends the services (SIGTERM, then SIGKILL after 30 s), then the broker. */
    @Override
    public void close() {
        var names = new ArrayList<>(processes.keySet());
        for (int i = names.size() - 1; i >= 0; i--) {
            stop(names.get(i), processes.get(names.get(i)));
        }
        if (modelServer != null) {
            stop(MODEL_SERVER, modelServer);
        }
        if (kafka != null) {
            stop("kafka", kafka);
        }
    }

    private static void stop(String name, Process process) {
        if (!process.isAlive()) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                System.out.printf("e2e: %s (pid %d) did not stop within 30 s of SIGTERM; killing it%n", name, process.pid());
                process.destroyForcibly();
                process.waitFor(30, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    /** services/NAME/target/quarkus-app/quarkus-run.jar, or the jar named by the system property e2e.jar.NAME (another build). */
    private Path serviceJar(String service) {
        var other = System.getProperty("e2e.jar." + service);
        return other != null ? Path.of(other) : root.resolve("services").resolve(service).resolve("target/quarkus-app/quarkus-run.jar");
    }

    private static Path requireFile(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalStateException(file + " is missing: build the project first (./mvnw -B install -DskipTests)");
        }
        return file;
    }

    private static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /**
     * Every port this JVM handed out. A port found free is closed again at once, so the kernel may hand the same one to the
     * next search: two services were once given one port, the second failed to bind, and its readiness check was answered by
     * the first. A port is therefore never handed out twice by one test JVM (the bench's other sections take theirs here too).
     */
    private static final Set<Integer> HANDED_OUT = ConcurrentHashMap.newKeySet();

    /** A free port on 127.0.0.1 that this JVM has not handed out before. */
    public static int freePort() {
        for (int tries = 0; tries < 100; tries++) {
            int port;
            try (var socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                port = socket.getLocalPort();
            } catch (IOException e) {
                throw new UncheckedIOException("no free port on 127.0.0.1", e);
            }
            if (HANDED_OUT.add(port)) {
                return port;
            }
        }
        throw new IllegalStateException("no free port on 127.0.0.1 that was not handed out already, after 100 tries");
    }
}
