package dev.tffashion.kafkalocal;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real single-node Apache Kafka (KRaft, one combined broker+controller) running in this JVM.
 *
 * <p>The one class that touches Kafka's internal server classes ({@code KafkaRaftServer}, {@code KafkaConfig},
 * the storage {@code Formatter}). Usage:
 * <pre>{@code
 * try (KafkaLocal kafka = KafkaLocal.builder().build().start()) {
 *     String bootstrap = kafka.bootstrapServers();
 * }
 * }</pre>
 */
public final class KafkaLocal implements AutoCloseable {

    /** Folder, under the data folder, that Kafka uses as its log (and metadata log) directory. */
    public static final String LOG_DIR_NAME = "kafka-logs";
    /** File, in the data folder, that remembers the controller port of a kept data folder. */
    public static final String STATE_FILE_NAME = "kafka-local.properties";

    private static final Logger LOG = LoggerFactory.getLogger(KafkaLocal.class);
    private static final int NODE_ID = 1;
    private static final String BROKER_LISTENER = "PLAINTEXT";
    private static final String CONTROLLER_LISTENER = "CONTROLLER";
    private static final String CONTROLLER_PORT_KEY = "controller.port";

    private final String host;
    private final int requestedPort;
    private final int requestedControllerPort;
    private final Path requestedDataDir;
    private final int partitions;
    private final Duration startTimeout;
    private final Map<String, String> brokerProperties;

    private KafkaRaftServer server;
    private Path dataDir;
    private boolean ownsDataDir;
    private int port;
    private int controllerPort;

    private KafkaLocal(Builder builder) {
        this.host = builder.host;
        this.requestedPort = builder.port;
        this.requestedControllerPort = builder.controllerPort;
        this.requestedDataDir = builder.dataDir;
        this.partitions = builder.partitions;
        this.startTimeout = builder.startTimeout;
        this.brokerProperties = Map.copyOf(builder.brokerProperties);
    }

    /** Returns a builder with the defaults: 127.0.0.1, free ports, a temporary data folder, 1 partition per topic. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Formats the storage when it is new, starts the broker and waits until it answers {@code describeCluster}.
     *
     * @return this, started
     * @throws KafkaLocalException when a port is taken, the folder is unusable, or the broker is not ready in time
     */
    public synchronized KafkaLocal start() {
        if (server != null) {
            throw new IllegalStateException("Kafka is already running at " + bootstrapServers());
        }
        long started = System.nanoTime();
        try {
            prepareDataDir();
            choosePorts();
            KafkaConfig config = KafkaConfig.fromProps(serverProperties(), false);
            formatIfNew();
            server = new KafkaRaftServer(config, Time.SYSTEM);
            server.startup();
            awaitReady(started);
        } catch (RuntimeException | IOException e) {
            stopServer();
            deleteOwnedDataDir();
            if (e instanceof KafkaLocalException kafkaLocalException) {
                throw kafkaLocalException;
            }
            throw new KafkaLocalException("Kafka did not start at " + host + ":" + port + " with data in " + dataDir
                + ": " + e.getMessage(), e);
        }
        LOG.info("Kafka ready at {} (controller port {}, data in {}) after {} ms", bootstrapServers(), controllerPort,
            dataDir, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
        return this;
    }

    /** The {@code host:port} clients connect to; valid once started. */
    public String bootstrapServers() {
        requireStarted();
        return host + ":" + port;
    }

    /** The host the broker listens on. */
    public String host() {
        return host;
    }

    /** The broker (client) port; valid once started. */
    public int port() {
        requireStarted();
        return port;
    }

    /** The KRaft controller port; valid once started. */
    public int controllerPort() {
        requireStarted();
        return controllerPort;
    }

    /** The data folder (a temporary one, deleted on close, unless one was given); valid once started. */
    public Path dataDir() {
        requireStarted();
        return dataDir;
    }

    /** Whether the broker is running. */
    public synchronized boolean isRunning() {
        return server != null;
    }

    /** Stops the broker cleanly, waits until it has stopped, and deletes the data folder when it was temporary. */
    @Override
    public synchronized void close() {
        if (server == null) {
            return;
        }
        long stopping = System.nanoTime();
        stopServer();
        deleteOwnedDataDir();
        LOG.info("Kafka at {}:{} stopped after {} ms", host, port, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - stopping));
    }

    private synchronized void requireStarted() {
        if (server == null) {
            throw new IllegalStateException("Kafka is not running: call start() first");
        }
    }

    private void prepareDataDir() throws IOException {
        if (requestedDataDir == null) {
            dataDir = Files.createTempDirectory("kafka-local-");
            ownsDataDir = true;
        } else {
            dataDir = requestedDataDir.toAbsolutePath().normalize();
            ownsDataDir = false;
            if (Files.exists(dataDir) && !Files.isDirectory(dataDir)) {
                throw new KafkaLocalException("Kafka data folder " + dataDir + " is a file: give a folder (it is created when absent)");
            }
            Files.createDirectories(dataDir);
        }
        Files.createDirectories(logDir());
    }

    private Path logDir() {
        return dataDir.resolve(LOG_DIR_NAME);
    }

    private void choosePorts() throws IOException {
        InetAddress address = InetAddress.getByName(host);
        Properties state = readState();
        int stored = Integer.parseInt(state.getProperty(CONTROLLER_PORT_KEY, "0"));
        controllerPort = requestedControllerPort != 0 ? requestedControllerPort : stored;
        try (ServerSocket brokerProbe = probe(address, requestedPort, "broker", "port");
             ServerSocket controllerProbe = probe(address, controllerPort, "controller", "controller port")) {
            port = brokerProbe.getLocalPort();
            controllerPort = controllerProbe.getLocalPort();
        }
        if (!ownsDataDir && controllerPort != stored) {
            state.setProperty(CONTROLLER_PORT_KEY, Integer.toString(controllerPort));
            try (OutputStream out = Files.newOutputStream(dataDir.resolve(STATE_FILE_NAME))) {
                state.store(out, "kafka-local: the KRaft controller port stays fixed for this data folder");
            }
        }
    }

    private Properties readState() throws IOException {
        Properties state = new Properties();
        Path file = ownsDataDir ? null : dataDir.resolve(STATE_FILE_NAME);
        if (file != null && Files.exists(file)) {
            try (InputStream in = Files.newInputStream(file)) {
                state.load(in);
            }
        }
        return state;
    }

    private ServerSocket probe(InetAddress address, int wanted, String role, String option) throws IOException {
        ServerSocket socket = new ServerSocket();
        try {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(address, wanted));
            return socket;
        } catch (IOException e) {
            socket.close();
            throw new KafkaLocalException("Cannot use " + role + " port " + wanted + " on " + host + " (" + e.getMessage()
                + "): is another Kafka running there? Stop it or choose another " + option, e);
        }
    }

    private Properties serverProperties() {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("process.roles", "broker,controller");
        p.put("node.id", Integer.toString(NODE_ID));
        p.put("controller.quorum.voters", NODE_ID + "@" + host + ":" + controllerPort);
        p.put("listeners", BROKER_LISTENER + "://" + host + ":" + port + "," + CONTROLLER_LISTENER + "://" + host + ":" + controllerPort);
        p.put("advertised.listeners", BROKER_LISTENER + "://" + host + ":" + port);
        p.put("listener.security.protocol.map", BROKER_LISTENER + ":PLAINTEXT," + CONTROLLER_LISTENER + ":PLAINTEXT");
        p.put("controller.listener.names", CONTROLLER_LISTENER);
        p.put("inter.broker.listener.name", BROKER_LISTENER);
        p.put("log.dirs", logDir().toString());
        p.put("num.partitions", Integer.toString(partitions));
        p.put("auto.create.topics.enable", "false");
        p.put("offsets.topic.replication.factor", "1");
        p.put("offsets.topic.num.partitions", "1");
        p.put("transaction.state.log.replication.factor", "1");
        p.put("transaction.state.log.min.isr", "1");
        p.put("transaction.state.log.num.partitions", "1");
        p.put("share.coordinator.state.topic.replication.factor", "1");
        p.put("share.coordinator.state.topic.min.isr", "1");
        p.put("group.initial.rebalance.delay.ms", "0");
        // A transaction that starts right after the previous one committed can find it still writing its markers: the broker
        // retries the implicit add of the partition (transactions v2) after this backoff, 20 ms by default, a wait on that hop
        p.put("add.partitions.to.txn.retry.backoff.ms", "1");
        p.put("log.cleaner.dedupe.buffer.size", Integer.toString(16 * 1024 * 1024));
        p.putAll(brokerProperties);
        Properties properties = new Properties();
        properties.putAll(p);
        return properties;
    }

    private void formatIfNew() {
        if (Files.exists(logDir().resolve("meta.properties"))) {
            LOG.debug("Kafka storage in {} is already formatted", logDir());
            return;
        }
        ByteArrayOutputStream output = new ByteArrayOutputStream();
        try (PrintStream print = new PrintStream(output, true, StandardCharsets.UTF_8)) {
            new Formatter()
                .setPrintStream(print)
                .setNodeId(NODE_ID)
                .setClusterId(Uuid.randomUuid().toString())
                .setControllerListenerName(CONTROLLER_LISTENER)
                .setMetadataLogDirectory(logDir().toString())
                .setDirectories(List.of(logDir().toString()))
                .run();
        } catch (Exception e) {
            throw new KafkaLocalException("Cannot format Kafka storage in " + logDir() + ": " + e.getMessage(), e);
        }
        LOG.info("Formatted new Kafka storage: {}", output.toString(StandardCharsets.UTF_8).strip());
    }

    private void awaitReady(long startedNanos) {
        long deadline = startedNanos + startTimeout.toNanos();
        Map<String, Object> config = Map.of(
            AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, host + ":" + port,
            AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 2_000,
            AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 2_000,
            AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 200);
        Exception last = null;
        try (Admin admin = Admin.create(config)) {
            while (System.nanoTime() < deadline) {
                long remainingMs = Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
                try {
                    var nodes = admin.describeCluster().nodes().get(Math.min(remainingMs, 2_000), TimeUnit.MILLISECONDS);
                    if (nodes.stream().map(Node::id).anyMatch(id -> id == NODE_ID)) {
                        return;
                    }
                } catch (ExecutionException | TimeoutException e) {
                    last = e;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new KafkaLocalException("Interrupted while waiting for Kafka at " + host + ":" + port, e);
                }
            }
        }
        throw new KafkaLocalException("Kafka at " + host + ":" + port + " did not answer within " + startTimeout.toSeconds()
            + " s" + (last == null ? "" : " (last error: " + last.getMessage() + ")")
            + "; see the broker log above, or give it more time", last);
    }

    private void stopServer() {
        KafkaRaftServer running = server;
        server = null;
        if (running == null) {
            return;
        }
        try {
            running.shutdown();
            running.awaitShutdown();
        } catch (RuntimeException e) {
            LOG.warn("Kafka at {}:{} did not stop cleanly: {}", host, port, e.toString());
        }
    }

    private void deleteOwnedDataDir() {
        if (!ownsDataDir || dataDir == null) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dataDir)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        } catch (IOException | UncheckedIOException e) {
            LOG.warn("Could not delete Kafka's temporary data folder {}: {}", dataDir, e.toString());
        }
    }

    /** Options of a {@link KafkaLocal}; every one has a default. */
    public static final class Builder {
        private String host = "127.0.0.1";
        private int port;
        private int controllerPort;
        private Path dataDir;
        private int partitions = 1;
        private Duration startTimeout = Duration.ofSeconds(60);
        private final Map<String, String> brokerProperties = new LinkedHashMap<>();

        private Builder() {
        }

        /** Host (name or address) both listeners bind to and the broker advertises; default 127.0.0.1. */
        public Builder host(String host) {
            if (host == null || host.isBlank()) {
                throw new IllegalArgumentException("Kafka host must not be blank: give a name or address such as 127.0.0.1");
            }
            this.host = host.strip();
            return this;
        }

        /** Broker (client) port; 0, the default, picks a free port. */
        public Builder port(int port) {
            this.port = checkPort(port, "port");
            return this;
        }

        /**
         * KRaft controller port; 0, the default, picks a free one. With a kept data folder the port picked first is
         * remembered in {@value #STATE_FILE_NAME} and reused.
         */
        public Builder controllerPort(int controllerPort) {
            this.controllerPort = checkPort(controllerPort, "controller port");
            return this;
        }

        /** Data folder, kept across restarts (created when absent); default: a temporary folder deleted on close. */
        public Builder dataDir(Path dataDir) {
            this.dataDir = Objects.requireNonNull(dataDir, "dataDir");
            return this;
        }

        /** Default partition count of new topics ({@code num.partitions}); default 1. */
        public Builder partitions(int partitions) {
            if (partitions < 1) {
                throw new IllegalArgumentException("Kafka partitions must be at least 1, not " + partitions);
            }
            this.partitions = partitions;
            return this;
        }

        /** How long {@link #start()} waits for the broker to answer; default 60 s. */
        public Builder startTimeout(Duration startTimeout) {
            if (startTimeout == null || startTimeout.isNegative() || startTimeout.isZero()) {
                throw new IllegalArgumentException("Kafka start timeout must be positive, not " + startTimeout);
            }
            this.startTimeout = startTimeout;
            return this;
        }

        /** Sets any broker configuration ({@code server.properties} key), overriding this class's choices. */
        public Builder brokerProperty(String key, String value) {
            if (key == null || key.isBlank() || value == null) {
                throw new IllegalArgumentException("Kafka broker property needs a key and a value, got " + key + "=" + value);
            }
            brokerProperties.put(key.strip(), value);
            return this;
        }

        /** Builds a broker that is not started yet. */
        public KafkaLocal build() {
            if (port != 0 && port == controllerPort) {
                throw new IllegalArgumentException("Kafka port and controller port must differ, both are " + port);
            }
            return new KafkaLocal(this);
        }

        private static int checkPort(int port, String name) {
            if (port < 0 || port > 65_535) {
                throw new IllegalArgumentException("Kafka " + name + " must be 0 (pick a free one) or 1-65535, not " + port);
            }
            return port;
        }
    }
}
