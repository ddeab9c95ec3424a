package dev.tffashion.filedrop.messaging;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.errors.LogAndContinueExceptionHandler;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.jboss.logging.Logger;

/**
 * file-drop's read model on disk: one Kafka Streams global state store (RocksDB, bounded by {@link BoundedRocksDb}) per topic
 * of the pipeline, each filled from its topic by an {@link IndexUpdater}. Global stores read every partition, without consumer
 * group, so every replica holds everything and answers any id; the topic itself is the store's changelog. Kafka Streams keeps the
 * stores and their checkpoint (the offsets they hold) in the state directory: a restart reads only what came after the
 * checkpoint, not the topics from offset 0. It reads committed records only ({@code isolation.level=read_committed}).
 *
 * <p>Also here, because a global store cannot do it: it waits for topics that do not exist yet ({@link #missingTopics()}); it
 * restarts Kafka Streams when a topic grows partitions (a global consumer keeps the partitions it was given) or after an error;
 * and it wipes the stores when a topic was deleted and created again, or the state directory belongs to another cluster (the
 * topic ids differ from those it recorded), since a checkpoint's offsets mean nothing there.
 *
 * <p>{@link #ready()} is Kafka Streams' state RUNNING: the global thread has then restored every store up to the end offsets it
 * found at start (Kafka Streams' {@code start()} returns only after that).
 */
public final class IndexStreams implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(IndexStreams.class);
    private static final Duration CHECK_EVERY = Duration.ofSeconds(2);
    private static final Duration QUERY_WAIT = Duration.ofSeconds(5);
    private static final String TOPIC_IDS = "topic-ids.properties";

    /** What a topic holds. */
    public enum Kind { VALUES, STATUS, DEAD_LETTERS, LATEST }

    /**
     * One topic of the index.
     *
     * @param task the task whose dead letters a dead-letter topic holds (null for the others)
     */
    public record Source(String topic, Kind kind, String task) {

        /** The name of its state store. */
        String store() {
            return "index-" + topic;
        }
    }

    private final String applicationId;
    private final Map<String, Object> kafka;
    private final List<Source> sources;
    private final Path stateDir;
    private final IndexUpdater.Listener listener;
    private final Runnable onReady;
    private final Map<String, Object> extra;
    private final AtomicLong applied = new AtomicLong();
    private final ScheduledExecutorService lifecycle;
    private final Map<String, ReadOnlyKeyValueStore<String, byte[]>> stores = new ConcurrentHashMap<>();
    private volatile Set<String> missingTopics = Set.of();
    private volatile KafkaStreams streams;
    private volatile boolean everReady;
    private volatile boolean closed;
    private Map<String, TopicDescription> layout = Map.of();
    private Admin admin;
    private long lastMissingWarning;

    /**
     * @param applicationId Kafka Streams' application id (client ids and the folder under the state directory)
     * @param kafka         client settings (bootstrap servers, TLS, SASL)
     * @param stateDir      the state directory: one per process (RocksDB locks it)
     * @param listener      told of each change the stores take (from Kafka Streams' global thread)
     * @param onReady       run each time the stores become ready (after the start and after a restart)
     * @param extra         further Kafka Streams settings (tests, {@link BoundedRocksDb#CACHE_CONFIG})
     */
    public IndexStreams(String applicationId, Map<String, Object> kafka, List<Source> sources, Path stateDir,
            IndexUpdater.Listener listener, Runnable onReady, Map<String, Object> extra) {
        this.applicationId = applicationId;
        this.kafka = Map.copyOf(kafka);
        this.sources = List.copyOf(sources);
        this.stateDir = stateDir.toAbsolutePath();
        this.listener = listener;
        this.onReady = onReady;
        this.extra = Map.copyOf(extra);
        this.lifecycle = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "file-drop-index-lifecycle");
            thread.setDaemon(true);
            return thread;
        });
    }

    /** Starts in the background: waits for the topics, then starts Kafka Streams, and watches it from then on. */
    public void start() {
        try {
            Files.createDirectories(stateDir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the index's state directory " + stateDir
                + "; set tf-fashion.file-drop.state-dir (TF_FASHION_FILE_DROP_STATE_DIR) to a writable folder", e);
        }
        if (!Files.isWritable(stateDir)) {
            throw new IllegalStateException("the index's state directory " + stateDir + " is not writable; set "
                + "tf-fashion.file-drop.state-dir (TF_FASHION_FILE_DROP_STATE_DIR) to a writable folder");
        }
        admin = Admin.create(new HashMap<>(kafka));
        lifecycle.scheduleWithFixedDelay(this::check, 0, CHECK_EVERY.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Whether the stores are open and restored up to where the topics stood when Kafka Streams (re)started. */
    public boolean ready() {
        KafkaStreams s = streams;
        return s != null && s.state() == KafkaStreams.State.RUNNING;
    }

    /** Topics of the index that did not exist when it last looked (it is not ready while there are any). */
    public Set<String> missingTopics() {
        return missingTopics;
    }

    /** How many records the stores took in this process (restored or live): after a restart, only what came after the checkpoint. */
    public long recordsApplied() {
        return applied.get();
    }

    /** The state directory of this index. */
    public Path stateDir() {
        return stateDir;
    }

    /** The value of a key in a topic's store, or empty (also while the stores are not ready). */
    public Optional<byte[]> get(Source source, String key) {
        return store(source).map(store -> store.get(key));
    }

    /** The entries of a topic's store from {@code from} (inclusive) to {@code to} (exclusive), newest (highest key) first. */
    public List<KeyValue<String, byte[]>> reverseRange(Source source, String from, String to, int limit) {
        List<KeyValue<String, byte[]>> result = new ArrayList<>();
        store(source).ifPresent(store -> {
            try (KeyValueIterator<String, byte[]> it = store.reverseRange(from, to)) {
                while (it.hasNext() && result.size() < limit) {
                    KeyValue<String, byte[]> next = it.next();
                    if (!next.key.equals(to)) {
                        result.add(next);
                    }
                }
            }
        });
        return result;
    }

    /** The entries of a topic's store from {@code from} (inclusive) to {@code to} (exclusive), in key order. */
    public List<KeyValue<String, byte[]>> range(Source source, String from, String to, int limit) {
        List<KeyValue<String, byte[]>> result = new ArrayList<>();
        store(source).ifPresent(store -> {
            try (KeyValueIterator<String, byte[]> it = store.range(from, to)) {
                while (it.hasNext() && result.size() < limit) {
                    KeyValue<String, byte[]> next = it.next();
                    if (!next.key.equals(to)) {
                        result.add(next);
                    }
                }
            }
        });
        return result;
    }

    /** Every entry of a (small) store, in key order. */
    public List<KeyValue<String, byte[]>> all(Source source, int limit) {
        List<KeyValue<String, byte[]>> result = new ArrayList<>();
        store(source).ifPresent(store -> {
            try (KeyValueIterator<String, byte[]> it = store.all()) {
                while (it.hasNext() && result.size() < limit) {
                    result.add(it.next());
                }
            }
        });
        return result;
    }

    /**
     * A topic's store. Before the first start is ready: empty at once (callers answer "index loading"). During a restart (a topic
     * grew, an error): waits up to {@link #QUERY_WAIT} for the stores to be back.
     */
    private Optional<ReadOnlyKeyValueStore<String, byte[]>> store(Source source) {
        long deadline = System.nanoTime() + QUERY_WAIT.toNanos();
        while (true) {
            KafkaStreams s = streams;
            if (s != null && s.state() == KafkaStreams.State.RUNNING) {
                try {
                    return Optional.of(stores.computeIfAbsent(source.store(), name -> s.store(
                        StoreQueryParameters.fromNameAndType(name, QueryableStoreTypes.<String, byte[]>keyValueStore()))));
                } catch (InvalidStateStoreException e) {
                    stores.clear();
                }
            }
            if (!everReady || closed || System.nanoTime() > deadline) {
                return Optional.empty();
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return Optional.empty();
            }
        }
    }

    /** The lifecycle's periodic step: topics present? layout changed? Kafka Streams healthy? Starts or restarts it as needed. */
    private void check() {
        if (closed) {
            return;
        }
        try {
            Map<String, TopicDescription> now = describe();
            if (!missingTopics.isEmpty()) {
                if (System.nanoTime() - lastMissingWarning > TimeUnit.SECONDS.toNanos(30)) {
                    lastMissingWarning = System.nanoTime();
                    LOG.warnf("index: waiting for topics %s; is topic provisioning off (tf-fashion.topics.provision) and the"
                        + " topics not created yet?", missingTopics);
                }
                return;
            }
            KafkaStreams s = streams;
            boolean failed = s != null && (s.state() == KafkaStreams.State.ERROR || s.state() == KafkaStreams.State.NOT_RUNNING
                || s.state() == KafkaStreams.State.PENDING_ERROR);
            boolean changed = s != null && !sameLayout(layout, now);
            if (s != null && !failed && !changed) {
                return;
            }
            if (s != null) {
                LOG.infof("index: restarting Kafka Streams (%s)", failed ? "it stopped in state " + s.state()
                    : "a topic grew partitions or was created again");
                stop(s);
            }
            layout = now;
            boolean wiped = checkTopicIds(now);
            startStreams(wiped);
        } catch (RuntimeException e) {
            LOG.warnf(e, "index: could not start or check Kafka Streams; trying again in %d s", CHECK_EVERY.toSeconds());
        }
    }

    private Map<String, TopicDescription> describe() {
        List<String> names = sources.stream().map(Source::topic).distinct().toList();
        Map<String, TopicDescription> found = new TreeMap<>();
        Set<String> missing = new LinkedHashSet<>();
        Map<String, KafkaFuture<TopicDescription>> futures = admin.describeTopics(names).topicNameValues();
        for (String name : names) {
            try {
                found.put(name, futures.get(name).get(30, TimeUnit.SECONDS));
            } catch (ExecutionException e) {
                if (e.getCause() instanceof UnknownTopicOrPartitionException) {
                    missing.add(name);
                } else {
                    throw new KafkaException("cannot describe topic " + name + ": " + e.getCause().getMessage(), e.getCause());
                }
            } catch (java.util.concurrent.TimeoutException e) {
                throw new KafkaException("describing topic " + name + " took more than 30 s", e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new KafkaException("interrupted", e);
            }
        }
        missingTopics = Set.copyOf(missing);
        return found;
    }

    private static boolean sameLayout(Map<String, TopicDescription> before, Map<String, TopicDescription> now) {
        if (!before.keySet().equals(now.keySet())) {
            return false;
        }
        for (var entry : now.entrySet()) {
            TopicDescription old = before.get(entry.getKey());
            if (!old.topicId().equals(entry.getValue().topicId()) || old.partitions().size() != entry.getValue().partitions().size()) {
                return false;
            }
        }
        return true;
    }

    /**
     * Compares the topics' ids with those the state directory recorded: a topic deleted and created again, or another cluster,
     * makes the stores' checkpoints meaningless, so the stores are wiped and rebuilt from the topics. Records the ids now.
     */
    private boolean checkTopicIds(Map<String, TopicDescription> now) {
        Path file = stateDir.resolve(TOPIC_IDS);
        Properties recorded = new Properties();
        boolean wipe = false;
        if (Files.exists(file)) {
            try (InputStream in = Files.newInputStream(file)) {
                recorded.load(in);
            } catch (IOException e) {
                wipe = true;
            }
            for (var entry : now.entrySet()) {
                String id = recorded.getProperty(entry.getKey());
                if (id != null && !id.equals(entry.getValue().topicId().toString())) {
                    LOG.infof("index: topic %s is not the one the state in %s was built from (topic id %s, recorded %s):"
                        + " rebuilding the index from the topics", entry.getKey(), stateDir, entry.getValue().topicId(), id);
                    wipe = true;
                }
            }
        }
        if (wipe) {
            deleteTree(stateDir.resolve(applicationId));
        }
        Properties ids = new Properties();
        now.forEach((name, description) -> ids.setProperty(name, description.topicId().toString()));
        try (OutputStream out = Files.newOutputStream(file)) {
            ids.store(out, "topic ids the index in this folder was built from");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
        return wipe;
    }

    private void startStreams(boolean wiped) {
        Topology topology = new Topology();
        for (Source source : sources) {
            topology.addGlobalStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(source.store()),
                    Serdes.String(), Serdes.ByteArray())
                    .withLoggingDisabled().withCachingDisabled(),
                "source-" + source.topic(), new StringDeserializer(), new ByteArrayDeserializer(), source.topic(),
                "update-" + source.topic(), () -> new IndexUpdater(source, listener, applied));
        }
        KafkaStreams s = new KafkaStreams(topology, streamsConfig());
        s.setUncaughtExceptionHandler(e -> {
            LOG.errorf(e, "index: Kafka Streams failed; it is restarted in %d s", CHECK_EVERY.toSeconds());
            return StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
        });
        s.setStateListener((newState, oldState) -> {
            LOG.debugf("index: Kafka Streams %s -> %s", oldState, newState);
            if (newState == KafkaStreams.State.RUNNING) {
                stores.clear();
                everReady = true;
                onReady.run();
            }
        });
        long before = applied.get();
        long started = System.nanoTime();
        stores.clear();
        streams = s;
        LOG.infof("index: starting Kafka Streams over %d topics, state in %s%s", sources.size(), stateDir,
            wiped ? " (rebuilt)" : "");
        s.start();
        LOG.infof("index: stores restored in %d ms (%d records read; resumed from the checkpoint in %s when there was one)",
            TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started), applied.get() - before, stateDir);
    }

    private Properties streamsConfig() {
        Properties config = new Properties();
        config.putAll(kafka);
        config.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
        config.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        config.put(StreamsConfig.ROCKSDB_CONFIG_SETTER_CLASS_CONFIG, BoundedRocksDb.class);
        config.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, 0);
        // How often the stores are flushed and their checkpoint written: what a crash (kill -9) reads again at the next start.
        config.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 5000);
        config.put(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG, LogAndContinueExceptionHandler.class);
        config.put(StreamsConfig.globalConsumerPrefix(ConsumerConfig.ISOLATION_LEVEL_CONFIG), "read_committed");
        config.put(StreamsConfig.consumerPrefix(ConsumerConfig.ISOLATION_LEVEL_CONFIG), "read_committed");
        // Small polls (250 records, fetches of at most 256 KiB): what a young collection finds alive is then one poll's records,
        // which the survivor spaces of file-drop's small heap hold (jvm.options keeps the heap close to what is used). With polls
        // of 5000 records and 16 MiB fetches, they were promoted at every young collection, and a fresh replica reading 200,000
        // values ran about a hundred full collections; now none. The broker answers the next fetch while a poll is processed.
        config.put(StreamsConfig.globalConsumerPrefix(ConsumerConfig.MAX_POLL_RECORDS_CONFIG), 250);
        // Under a stream the index reads three values per picture (droppedFile, tensor, prediction), each from a transaction of
        // its own: with fetch.min.bytes=1 the broker answered a fetch per committed transaction, several hundred a second at 100
        // pictures/s, each a request for the broker and a poll for the index. Now a fetch waits for 64 KiB or 100 ms, whichever
        // comes first: an index value is at most that late (drops are indexed at once by DropService), and reading a backlog is
        // as fast as before (the bytes are there).
        config.put(StreamsConfig.globalConsumerPrefix(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG), 100);
        config.put(StreamsConfig.globalConsumerPrefix(ConsumerConfig.FETCH_MIN_BYTES_CONFIG), 64 * 1024);
        config.put(StreamsConfig.globalConsumerPrefix(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG), 256 * 1024);
        config.put(StreamsConfig.globalConsumerPrefix(ConsumerConfig.FETCH_MAX_BYTES_CONFIG), 256 * 1024);
        config.putAll(extra);
        return config;
    }

    private void stop(KafkaStreams s) {
        streams = null;
        stores.clear();
        s.close(Duration.ofSeconds(30));
    }

    /** Stops Kafka Streams (flushing the stores and writing their checkpoint) and the lifecycle. */
    @Override
    public void close() {
        closed = true;
        lifecycle.shutdownNow();
        try {
            lifecycle.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        KafkaStreams s = streams;
        if (s != null) {
            stop(s);
        }
        if (admin != null) {
            admin.close(Duration.ofSeconds(5));
        }
    }

    private static void deleteTree(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete the index's old state in " + root + "; delete it by hand", e);
        }
    }
}
