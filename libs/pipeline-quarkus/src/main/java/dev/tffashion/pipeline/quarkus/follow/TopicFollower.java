package dev.tffashion.pipeline.quarkus.follow;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.jboss.logging.Logger;

import dev.tffashion.pipeline.quarkus.KafkaClientConfig;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Reads a set of topics to their end and keeps following them, handing every record to an apply function on one thread of
 * its own. It is the one way a service keeps a view of topics (file-drop's index, predict's endpoint and ledger):
 * <ul>
 * <li>its Kafka settings, security included, are Quarkus's Kafka configuration ({@link KafkaClientConfig#consumer});</li>
 * <li>no consumer group: every partition of every topic is assigned, so each instance sees everything, and nothing is
 * committed;</li>
 * <li>{@code isolation.level=read_committed}: a record of an aborted or open transaction is never applied;</li>
 * <li>a partition is read from {@link StartAt} the first time, and from where the follower was after a restart;</li>
 * <li>{@link #caughtUp()} completes once every topic exists and every partition has been read up to the end offset it had
 * when the follower first saw it; it never completes because of an error;</li>
 * <li>a topic that does not exist yet is looked for again, with a warning, and read from its start once it appears;</li>
 * <li>an apply function that throws skips that record (logged and counted), never the follower;</li>
 * <li>a Kafka error closes the consumer and starts a new one after a backoff, resuming at the same positions;</li>
 * <li>{@link #close()} is its one stop.</li>
 * </ul>
 * With a meter registry it reports {@code tffashion.follower.records}, {@code .apply.failures}, {@code .restarts},
 * {@code .lag} (records behind the end, from the consumer's own fetch metrics) and {@code .caught.up}, tagged with its name.
 */
public final class TopicFollower implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(TopicFollower.class);
    private static final Duration POLL = Duration.ofMillis(500);
    private static final Duration METADATA_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration MISSING_TOPIC_REMINDER = Duration.ofMinutes(1);
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(10);

    private final String name;
    private final List<String> topics;
    private final StartAt startAt;
    private final Consumer<FollowedRecord> apply;
    private final Map<String, Object> consumerConfig;
    private final Duration minBackoff;
    private final Duration maxBackoff;
    private final Duration metadataRefresh;
    private final MeterRegistry registry;

    private final CompletableFuture<Void> caughtUp = new CompletableFuture<>();
    private final AtomicLong applied = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();
    private final AtomicLong restarts = new AtomicLong();
    private final Map<String, Long> missing = new ConcurrentHashMap<>();
    private final List<Meter> meters = new ArrayList<>();
    private final Object pause = new Object();

    /** The next offset to read of each partition that returned records: where a new consumer resumes. */
    private final Map<TopicPartition, Long> positions = new HashMap<>();
    /** The end offset of each partition when the follower first saw it: what {@link #caughtUp()} waits for. */
    private final Map<TopicPartition, Long> targets = new HashMap<>();
    private Set<TopicPartition> assigned = new HashSet<>();
    private long startedAtMillis;
    private long startedAtNanos;
    private long backoffMillis;

    private volatile boolean stopping;
    private volatile KafkaConsumer<String, byte[]> consumer;
    private volatile Thread thread;
    private volatile Throwable lastError;

    private TopicFollower(Builder builder) {
        this.name = builder.name;
        this.topics = List.copyOf(builder.topics);
        this.startAt = builder.startAt;
        this.apply = builder.apply;
        this.minBackoff = builder.minBackoff;
        this.maxBackoff = builder.maxBackoff;
        this.metadataRefresh = builder.metadataRefresh;
        this.registry = builder.registry;
        Map<String, Object> config = new HashMap<>(KafkaClientConfig.consumer(builder.kafka));
        config.put(ConsumerConfig.CLIENT_ID_CONFIG, builder.clientId == null ? name : builder.clientId);
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        // a position removed by retention while the follower was away: continue with what is still there
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        config.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, builder.maxPollRecords);
        config.putAll(builder.overrides);
        this.consumerConfig = Map.copyOf(config);
        this.backoffMillis = minBackoff.toMillis();
    }

    /** A follower named {@code name} (its thread, client id, log lines and metrics) with these Quarkus Kafka settings. */
    public static Builder builder(String name, Map<String, Object> kafka) {
        return new Builder(name, kafka);
    }

    /** The follower's name. */
    public String name() {
        return name;
    }

    /** The topics it follows. */
    public List<String> topics() {
        return topics;
    }

    /**
     * Completes once every topic exists and has been read up to the end offsets it had when the follower first saw it.
     * Completes exceptionally only when the follower is closed (or dies of a JVM error) before that.
     */
    public CompletionStage<Void> caughtUp() {
        return caughtUp.minimalCompletionStage();
    }

    /** Whether {@link #caughtUp()} has completed normally. */
    public boolean isCaughtUp() {
        return caughtUp.isDone() && !caughtUp.isCompletedExceptionally();
    }

    /** Topics that did not exist when the follower last looked. */
    public Set<String> missingTopics() {
        return Set.copyOf(missing.keySet());
    }

    /** Records applied so far (apply returned normally). */
    public long applied() {
        return applied.get();
    }

    /** Records whose apply function threw (skipped). */
    public long applyFailures() {
        return failures.get();
    }

    /** Times the consumer was replaced after a Kafka error. */
    public long restarts() {
        return restarts.get();
    }

    /** The last Kafka error the follower restarted after, if any. */
    public Optional<Throwable> lastError() {
        return Optional.ofNullable(lastError);
    }

    /** Records behind the end of the assigned partitions, from the consumer's fetch metrics; -1 without a consumer. */
    public long lag() {
        KafkaConsumer<String, byte[]> c = consumer;
        if (c == null) {
            return -1;
        }
        double sum = 0;
        for (Map.Entry<MetricName, ? extends Metric> metric : c.metrics().entrySet()) {
            MetricName key = metric.getKey();
            if ("records-lag".equals(key.name()) && "consumer-fetch-manager-metrics".equals(key.group())
                    && metric.getValue().metricValue() instanceof Number value && !Double.isNaN(value.doubleValue())) {
                sum += value.doubleValue();
            }
        }
        return (long) sum;
    }

    /** Starts the follower's thread (once). */
    public synchronized TopicFollower start() {
        if (thread != null) {
            throw new IllegalStateException("follower " + name + " is already started");
        }
        if (stopping) {
            throw new IllegalStateException("follower " + name + " is closed");
        }
        registerMeters();
        startedAtMillis = System.currentTimeMillis();
        startedAtNanos = System.nanoTime();
        Thread t = new Thread(this::run, "follow-" + name);
        t.setDaemon(true);
        thread = t;
        t.start();
        LOG.infof("follower %s: following %s from %s", name, topics, startAt);
        return this;
    }

    private void run() {
        try {
            while (!stopping) {
                try {
                    follow();
                } catch (WakeupException e) {
                    LOG.debugf("follower %s woken up to stop", name);
                } catch (RuntimeException e) {
                    if (stopping) {
                        break;
                    }
                    lastError = e;
                    restarts.incrementAndGet();
                    LOG.errorf(e, "follower %s: %s; starting a new consumer in %d ms at the same positions%s", name, e,
                        backoffMillis, isCaughtUp() ? "" : " (not caught up yet)");
                    pause(backoffMillis);
                    backoffMillis = Math.min(maxBackoff.toMillis(), backoffMillis * 2);
                }
            }
        } catch (Error e) {
            lastError = e;
            LOG.errorf(e, "follower %s died: %s", name, e);
            caughtUp.completeExceptionally(e);
            throw e;
        }
        LOG.debugf("follower %s stopped", name);
    }

    private void follow() {
        try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(consumerConfig, new StringDeserializer(),
                new ByteArrayDeserializer())) {
            consumer = c;
            assigned = new HashSet<>();
            long nextLookup = System.nanoTime();
            while (!stopping) {
                if (System.nanoTime() - nextLookup >= 0) {
                    assign(c);
                    nextLookup = System.nanoTime() + (missing.isEmpty() ? metadataRefresh : minBackoff).toNanos();
                }
                if (assigned.isEmpty()) {
                    checkCaughtUp(c);
                    pause(minBackoff.toMillis());
                    continue;
                }
                ConsumerRecords<String, byte[]> records = c.poll(POLL);
                backoffMillis = minBackoff.toMillis();
                for (TopicPartition partition : records.partitions()) {
                    List<ConsumerRecord<String, byte[]>> list = records.records(partition);
                    for (ConsumerRecord<String, byte[]> record : list) {
                        apply(record);
                    }
                    positions.put(partition, list.get(list.size() - 1).offset() + 1);
                }
                checkCaughtUp(c);
            }
        } finally {
            consumer = null;
        }
    }

    /** Assigns every partition of the topics that exist; new partitions start at their saved position or {@link StartAt}. */
    private void assign(KafkaConsumer<String, byte[]> c) {
        Set<TopicPartition> found = new HashSet<>();
        for (String topic : topics) {
            List<PartitionInfo> infos = c.partitionsFor(topic, METADATA_TIMEOUT);
            if (infos == null || infos.isEmpty()) {
                noteMissing(topic);
                continue;
            }
            if (missing.remove(topic) != null) {
                LOG.infof("follower %s: topic %s exists now; reading it from %s", name, topic, startAt);
            }
            infos.forEach(info -> found.add(new TopicPartition(info.topic(), info.partition())));
        }
        if (found.equals(assigned)) {
            return;
        }
        List<TopicPartition> fresh = found.stream().filter(p -> !assigned.contains(p)).toList();
        c.assign(found);
        List<TopicPartition> unread = new ArrayList<>();
        for (TopicPartition partition : fresh) {
            Long next = positions.get(partition);
            if (next == null) {
                unread.add(partition);
            } else {
                c.seek(partition, next);
            }
        }
        seekToStart(c, unread);
        List<TopicPartition> untargeted = fresh.stream().filter(p -> !targets.containsKey(p)).toList();
        if (!untargeted.isEmpty()) {
            targets.putAll(c.endOffsets(untargeted));
        }
        assigned = found;
        LOG.debugf("follower %s: %d partitions assigned (%d new)", name, found.size(), fresh.size());
    }

    private void seekToStart(KafkaConsumer<String, byte[]> c, List<TopicPartition> partitions) {
        if (partitions.isEmpty()) {
            return;
        }
        Optional<Duration> window = startAt.window();
        if (window.isEmpty()) {
            c.seekToBeginning(partitions);
            return;
        }
        Map<TopicPartition, Long> query = new HashMap<>();
        partitions.forEach(p -> query.put(p, startedAtMillis - window.get().toMillis()));
        Map<TopicPartition, OffsetAndTimestamp> offsets = c.offsetsForTimes(query);
        List<TopicPartition> none = new ArrayList<>();
        for (TopicPartition partition : partitions) {
            OffsetAndTimestamp offset = offsets.get(partition);
            if (offset == null) {
                none.add(partition);
            } else {
                c.seek(partition, offset.offset());
            }
        }
        if (!none.isEmpty()) {
            // the end as of now, not as of the next poll: a record written in between is newer than the window's start
            c.endOffsets(none).forEach(c::seek);
        }
    }

    private void noteMissing(String topic) {
        long now = System.nanoTime();
        Long remind = missing.get(topic);
        if (remind == null) {
            LOG.warnf("follower %s: topic %s does not exist yet; following the others and looking for it every %s (not caught"
                + " up until it exists)", name, topic, minBackoff);
            missing.put(topic, now + MISSING_TOPIC_REMINDER.toNanos());
        } else if (now - remind >= 0) {
            LOG.warnf("follower %s: topic %s still does not exist; is topic provisioning off (tf-fashion.topics.provision) and"
                + " the topic not created by the operator?", name, topic);
            missing.put(topic, now + MISSING_TOPIC_REMINDER.toNanos());
        }
    }

    private void apply(ConsumerRecord<String, byte[]> record) {
        FollowedRecord followed = new FollowedRecord(record.topic(), record.partition(), record.offset(), record.timestamp(),
            record.key(), record.headers(), record.value());
        try {
            apply.accept(followed);
            applied.incrementAndGet();
        } catch (RuntimeException e) {
            failures.incrementAndGet();
            LOG.warnf("follower %s: skipping the record at %s (key %s): %s", name, followed.where(), record.key(), e);
            LOG.debugf(e, "follower %s: apply failed at %s", name, followed.where());
        }
    }

    private void checkCaughtUp(KafkaConsumer<String, byte[]> c) {
        if (caughtUp.isDone() || !missing.isEmpty()) {
            return;
        }
        for (Map.Entry<TopicPartition, Long> target : targets.entrySet()) {
            if (assigned.contains(target.getKey()) && c.position(target.getKey()) < target.getValue()) {
                return;
            }
        }
        LOG.infof("follower %s: caught up with %s (%d records applied, %d skipped) in %d ms", name, topics, applied.get(),
            failures.get(), (System.nanoTime() - startedAtNanos) / 1_000_000);
        caughtUp.complete(null);
    }

    private void pause(long millis) {
        synchronized (pause) {
            if (!stopping) {
                try {
                    pause.wait(Math.max(1, millis));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    stopping = true;
                }
            }
        }
    }

    private void registerMeters() {
        if (registry == null) {
            return;
        }
        meters.add(FunctionCounter.builder("tffashion.follower.records", applied, AtomicLong::get).tag("follower", name)
            .description("records the follower applied").register(registry));
        meters.add(FunctionCounter.builder("tffashion.follower.apply.failures", failures, AtomicLong::get).tag("follower", name)
            .description("records skipped because the apply function threw").register(registry));
        meters.add(FunctionCounter.builder("tffashion.follower.restarts", restarts, AtomicLong::get).tag("follower", name)
            .description("consumers replaced after a Kafka error").register(registry));
        meters.add(Gauge.builder("tffashion.follower.lag", this, f -> {
            long lag = f.lag();
            return lag < 0 ? Double.NaN : lag;
        }).tag("follower", name).description("records behind the end of the followed topics").strongReference(true)
            .register(registry));
        meters.add(Gauge.builder("tffashion.follower.caught.up", this, f -> f.isCaughtUp() ? 1 : 0).tag("follower", name)
            .description("1 once the follower has read its topics up to their end offsets at start").strongReference(true)
            .register(registry));
    }

    /** Stops the follower: wakes its consumer, waits for its thread, and removes its meters. */
    @Override
    public void close() {
        stopping = true;
        synchronized (pause) {
            pause.notifyAll();
        }
        KafkaConsumer<String, byte[]> c = consumer;
        if (c != null) {
            c.wakeup();
        }
        Thread t = thread;
        if (t != null && t != Thread.currentThread()) {
            try {
                t.join(CLOSE_TIMEOUT.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (t.isAlive()) {
                LOG.warnf("follower %s did not stop within %s", name, CLOSE_TIMEOUT);
            }
        }
        caughtUp.completeExceptionally(new IllegalStateException("follower " + name + " stopped before it caught up"));
        if (registry != null) {
            meters.forEach(registry::remove);
            meters.clear();
        }
    }

    /** Settings of a follower; {@link #start()} builds and starts it. */
    public static final class Builder {

        private final String name;
        private final Map<String, Object> kafka;
        private final Map<String, Object> overrides = new LinkedHashMap<>();
        private final List<String> topics = new ArrayList<>();
        private StartAt startAt = StartAt.beginning();
        private Consumer<FollowedRecord> apply;
        private String clientId;
        private int maxPollRecords = 500;
        private Duration minBackoff = Duration.ofSeconds(1);
        private Duration maxBackoff = Duration.ofSeconds(30);
        private Duration metadataRefresh = Duration.ofSeconds(30);
        private MeterRegistry registry;
        private Consumer<TopicFollower> onStart = f -> {
        };

        private Builder(String name, Map<String, Object> kafka) {
            if (name == null || name.isBlank()) {
                throw new IllegalArgumentException("a topic follower needs a name (its thread, client id and metrics tag)");
            }
            this.name = name;
            this.kafka = Objects.requireNonNull(kafka, "kafka settings");
        }

        /** Topics to follow (at least one). */
        public Builder topics(Collection<String> names) {
            topics.addAll(names);
            return this;
        }

        /** Topics to follow (at least one). */
        public Builder topics(String... names) {
            return topics(List.of(names));
        }

        /** Where a partition read for the first time starts (default: its beginning). */
        public Builder startAt(StartAt start) {
            this.startAt = Objects.requireNonNull(start, "startAt");
            return this;
        }

        /** What to do with each record, on the follower's thread, in offset order per partition. */
        public Builder apply(Consumer<FollowedRecord> function) {
            this.apply = Objects.requireNonNull(function, "apply");
            return this;
        }

        /** The consumer's client id (default: the follower's name). */
        public Builder clientId(String id) {
            this.clientId = id;
            return this;
        }

        /** Records per poll (default 500): larger for a follower that reads a long history at start. */
        public Builder maxPollRecords(int records) {
            if (records < 1) {
                throw new IllegalArgumentException("maxPollRecords must be at least 1, not " + records);
            }
            this.maxPollRecords = records;
            return this;
        }

        /** Pause before the first new consumer after an error, doubled up to {@code max}; also the missing-topic retry. */
        public Builder backoff(Duration min, Duration max) {
            if (min.isNegative() || min.isZero() || max.compareTo(min) < 0) {
                throw new IllegalArgumentException("backoff needs 0 < min <= max, not " + min + " and " + max);
            }
            this.minBackoff = min;
            this.maxBackoff = max;
            return this;
        }

        /** How often the partitions of the topics are looked up again, to follow partitions added later (default 30 s). */
        public Builder metadataRefresh(Duration refresh) {
            this.metadataRefresh = Objects.requireNonNull(refresh, "metadataRefresh");
            return this;
        }

        /** A consumer setting of this follower's own, over Quarkus's ({@code fetch.max.wait.ms}, ...). */
        public Builder kafkaSetting(String key, Object value) {
            overrides.put(key, value);
            return this;
        }

        /** Where the follower's meters go (none without). */
        public Builder meterRegistry(MeterRegistry meterRegistry) {
            this.registry = meterRegistry;
            return this;
        }

        Builder onStart(Consumer<TopicFollower> hook) {
            this.onStart = hook;
            return this;
        }

        /** Builds the follower and starts its thread. */
        public TopicFollower start() {
            if (topics.isEmpty()) {
                throw new IllegalArgumentException("follower " + name + " has no topics to follow");
            }
            if (apply == null) {
                throw new IllegalArgumentException("follower " + name + " has no apply function");
            }
            TopicFollower follower = new TopicFollower(this);
            onStart.accept(follower);
            return follower.start();
        }
    }
}
