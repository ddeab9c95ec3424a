package dev.tffashion.servemanager.leader;

import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.jboss.logging.Logger;

/**
 * Leader election with nothing but Kafka: every replica joins one consumer group on a lock topic with a single partition, and the
 * member that Kafka assigns partition 0 leads. Kafka's group coordinator guarantees one owner of a partition per generation; the
 * cooperative sticky assignor keeps the partition with its owner when a standby joins or leaves, so the leadership moves only when
 * the leader goes: at once when it closes (it leaves the group), within the session timeout (6 s by default) plus a rebalance when it
 * is killed. The lock topic holds no records; it is created with one partition when missing.
 * <p>
 * The group uses the classic protocol, whose session timeout is the client's (the newer consumer protocol takes it from the broker,
 * 45 s by default). The consumer polls on its own thread every 200 ms, so its poll interval never lapses; the listener is called on
 * another thread, so a slow start-up cannot hold up the heartbeats.
 */
public final class KafkaLeaderElector implements LeaderElector {

    private static final Logger LOG = Logger.getLogger(KafkaLeaderElector.class);
    private static final Duration POLL = Duration.ofMillis(200);
    private static final Duration ADMIN_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(10);

    private final Map<String, Object> kafka;
    private final String topic;
    private final String group;
    private final String identity;
    private final Duration sessionTimeout;
    private final short replicationFactor;
    private final LeadershipListener listener;
    private final TopicPartition lock;
    private final ExecutorService notifier;

    private volatile boolean leading;
    private volatile boolean closing;
    private volatile KafkaConsumer<byte[], byte[]> consumer;
    private volatile Thread thread;

    /**
     * @param kafka the client settings (bootstrap servers, security), without group settings
     * @param topic the lock topic, {@code <pipeline>.serve-manager.leader}
     * @param group the consumer group of the replicas
     * @param identity this replica's name (the consumer's client id ends with it)
     * @param sessionTimeout how long a silent leader keeps the leadership; at least the broker's
     *        {@code group.min.session.timeout.ms} (6 s by default)
     */
    public KafkaLeaderElector(Map<String, Object> kafka, String topic, String group, String identity, Duration sessionTimeout,
            short replicationFactor, LeadershipListener listener) {
        this.kafka = Map.copyOf(kafka);
        this.topic = topic;
        this.group = group;
        this.identity = identity;
        this.sessionTimeout = sessionTimeout;
        this.replicationFactor = replicationFactor;
        this.listener = listener;
        this.lock = new TopicPartition(topic, 0);
        this.notifier = LeaderElector.notifier(identity);
    }

    @Override
    public synchronized void start() {
        if (thread != null) {
            return;
        }
        thread = new Thread(this::run, "leader-election-" + identity);
        thread.setDaemon(true);
        thread.start();
    }

    @Override
    public boolean leading() {
        return leading;
    }

    @Override
    public String describe() {
        return "Kafka leader election: consumer group " + group + " on the one-partition topic " + topic + " (session timeout "
                + sessionTimeout.toMillis() + " ms)";
    }

    private void run() {
        long backoff = 500;
        while (!closing) {
            try {
                ensureTopic();
                try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(consumerConfig())) {
                    consumer = c;
                    c.subscribe(List.of(topic), new Rebalance());
                    LOG.infof("%s: competing for the leadership (%s)", identity, describe());
                    while (!closing) {
                        c.poll(POLL);
                        backoff = 500;
                    }
                } finally {
                    consumer = null;
                }
            } catch (WakeupException e) {
                if (!closing) {
                    LOG.warnf("%s: leader election woken up unexpectedly; joining again", identity);
                }
            } catch (KafkaException | IllegalStateException e) {
                if (closing) {
                    break;
                }
                LOG.warnf("%s: leader election failed (%s); joining again in %d ms", identity, e.getMessage(), backoff);
                lose("the leader election's consumer failed: " + e.getMessage());
                pause(backoff);
                backoff = Math.min(backoff * 2, MAX_BACKOFF.toMillis());
            }
        }
    }

    private Map<String, Object> consumerConfig() {
        Map<String, Object> config = new HashMap<>(kafka);
        config.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        config.put(ConsumerConfig.CLIENT_ID_CONFIG, "serve-leader-" + identity);
        config.put(ConsumerConfig.GROUP_PROTOCOL_CONFIG, "classic");
        config.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, (int) sessionTimeout.toMillis());
        config.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, (int) Math.max(100, sessionTimeout.toMillis() / 6));
        config.put(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG, (int) Math.max(30_000, sessionTimeout.toMillis() * 5));
        config.put(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, List.of(CooperativeStickyAssignor.class.getName()));
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest");
        config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        config.remove(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG);
        return config;
    }

    /** Creates the lock topic with one partition, unless it exists. */
    private void ensureTopic() {
        try (Admin admin = Admin.create(adminConfig())) {
            if (admin.listTopics().names().get(ADMIN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).contains(topic)) {
                return;
            }
            admin.createTopics(List.of(new NewTopic(topic, Optional.of(1), Optional.of(replicationFactor))))
                    .all().get(ADMIN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            LOG.infof("created the leader election's lock topic %s (one partition)", topic);
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw new KafkaException("cannot create the lock topic " + topic + ": " + e.getCause().getMessage(), e.getCause());
            }
        } catch (TimeoutException e) {
            throw new KafkaException("Kafka did not answer within " + ADMIN_TIMEOUT.toSeconds() + " s while looking for the lock topic "
                    + topic, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KafkaException("interrupted while looking for the lock topic " + topic, e);
        }
    }

    private Map<String, Object> adminConfig() {
        Map<String, Object> config = new HashMap<>();
        kafka.forEach((key, value) -> {
            if (org.apache.kafka.clients.admin.AdminClientConfig.configNames().contains(key) || key.startsWith("ssl.")
                    || key.startsWith("sasl.")) {
                config.put(key, value);
            }
        });
        config.put(org.apache.kafka.clients.admin.AdminClientConfig.CLIENT_ID_CONFIG, "serve-leader-admin-" + identity);
        return config;
    }

    private final class Rebalance implements ConsumerRebalanceListener {
        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            if (partitions.contains(lock) && !leading && !closing) {
                leading = true;
                LOG.infof("%s: leads now (holds partition 0 of %s)", identity, topic);
                notifier.execute(listener::started);
            }
        }

        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            if (partitions.contains(lock)) {
                lose("partition 0 of " + topic + " was revoked");
            }
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            if (partitions.contains(lock)) {
                lose("partition 0 of " + topic + " was lost (the group coordinator dropped this member)");
            }
        }
    }

    private void lose(String why) {
        if (!leading) {
            return;
        }
        leading = false;
        if (closing) {
            return;
        }
        LOG.warnf("%s: lost the leadership: %s", identity, why);
        notifier.execute(listener::stopped);
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        closing = true;
        KafkaConsumer<byte[], byte[]> c = consumer;
        if (c != null) {
            c.wakeup();
        }
        Thread t = thread;
        if (t != null && t != Thread.currentThread()) {
            try {
                t.join(Duration.ofSeconds(30).toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        leading = false;
        notifier.shutdown();
    }
}
