package dev.tffashion.pipeline.kafka;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.HashMap;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.InvalidPartitionsException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.jboss.logging.Logger;

import dev.tffashion.pipeline.graph.PipelineGraph;

/**
 * Creates the pipeline's topics with explicit settings (partitions, compaction for {@code serve.endpoint} and {@code status}),
 * idempotently. An existing data topic with fewer partitions than asked for is grown to that count, so more replicas of a task
 * ({@code bin/tf-fashion up --replicas N}) find partitions to share; a topic is never shrunk, and compacted topics keep their
 * single partition (growing them would split a key's history). Every service runs it at start-up, so any start order works.
 */
public final class TopicProvisioner {

    private static final Logger LOG = Logger.getLogger(TopicProvisioner.class);

    private TopicProvisioner() {
    }

    /**
     * Ensures every topic of the graph exists; returns the names it created.
     *
     * @param adminConfig the admin client's settings: bootstrap servers and, on a secured cluster, its security settings
     */
    public static List<String> ensureTopics(Map<String, Object> adminConfig, PipelineGraph graph, int partitions, short replication,
            Duration timeout) {
        return ensureTopics(adminConfig, graph, partitions, replication, timeout, Map.of());
    }

    /**
     * Ensures every topic of the graph exists, and sets the retention of the topics named in {@code retention} ({@code retention.ms},
     * at creation and on an existing topic alike); returns the names it created.
     *
     * @param retention how long a topic keeps its records, by topic name (the tensor topic's says how far back a replay reaches)
     */
    public static List<String> ensureTopics(Map<String, Object> adminConfig, PipelineGraph graph, int partitions, short replication,
            Duration timeout, Map<String, Duration> retention) {
        Map<String, Object> props = new HashMap<>(adminConfig);
        Object bootstrapServers = adminConfig.getOrDefault(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, "localhost:9092");
        props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) Math.min(timeout.toMillis(), Integer.MAX_VALUE));
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) Math.min(timeout.toMillis(), Integer.MAX_VALUE));
        try (Admin admin = Admin.create(props)) {
            Set<String> existing = admin.listTopics().names().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            List<NewTopic> missing = new ArrayList<>();
            List<PipelineGraph.TopicSpec> present = new ArrayList<>();
            for (PipelineGraph.TopicSpec spec : graph.topics(partitions)) {
                if (!existing.contains(spec.name())) {
                    missing.add(newTopic(spec, replication, retention.get(spec.name())));
                } else if (!spec.compacted() && spec.partitions() > 1) {
                    present.add(spec);
                }
            }
            List<String> created = create(admin, missing, timeout);
            grow(admin, present, timeout);
            retain(admin, retention, existing, timeout);
            return created;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating topics", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot reach Kafka at " + bootstrapServers + " to create the pipeline topics within "
                    + timeout.toSeconds() + " s: is the broker running? (" + e.getMessage() + ")", e);
        }
    }

    /** Adds partitions to the data topics that have fewer than their spec asks for. */
    private static void grow(Admin admin, List<PipelineGraph.TopicSpec> specs, Duration timeout)
            throws InterruptedException, ExecutionException, TimeoutException {
        if (specs.isEmpty()) {
            return;
        }
        Map<String, TopicDescription> described = admin.describeTopics(specs.stream().map(PipelineGraph.TopicSpec::name).toList())
            .allTopicNames().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        Map<String, NewPartitions> more = new HashMap<>();
        for (PipelineGraph.TopicSpec spec : specs) {
            int now = described.get(spec.name()).partitions().size();
            if (now < spec.partitions()) {
                more.put(spec.name(), NewPartitions.increaseTo(spec.partitions()));
                LOG.infof("growing topic %s from %d to %d partitions", spec.name(), now, spec.partitions());
            }
        }
        for (var entry : admin.createPartitions(more).values().entrySet()) {
            try {
                entry.getValue().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            } catch (ExecutionException e) {
                // another service grew it first: same count, nothing to do
                if (!(e.getCause() instanceof InvalidPartitionsException)) {
                    throw e;
                }
            }
        }
    }

    private static NewTopic newTopic(PipelineGraph.TopicSpec spec, short replication, Duration retention) {
        NewTopic topic = new NewTopic(spec.name(), spec.partitions(), replication);
        Map<String, String> configs = new HashMap<>();
        if (spec.compacted()) {
            configs.putAll(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT,
                    TopicConfig.MIN_COMPACTION_LAG_MS_CONFIG, "0",
                    TopicConfig.SEGMENT_MS_CONFIG, String.valueOf(Duration.ofHours(1).toMillis())));
        }
        if (retention != null) {
            configs.put(TopicConfig.RETENTION_MS_CONFIG, String.valueOf(retention.toMillis()));
        }
        return configs.isEmpty() ? topic : topic.configs(configs);
    }

    /** Sets {@code retention.ms} on the existing topics that have a retention configured (idempotent). */
    private static void retain(Admin admin, Map<String, Duration> retention, Set<String> existing, Duration timeout)
            throws InterruptedException, ExecutionException, TimeoutException {
        Map<ConfigResource, Collection<AlterConfigOp>> changes = new HashMap<>();
        retention.forEach((topic, duration) -> {
            if (existing.contains(topic)) {
                changes.put(new ConfigResource(ConfigResource.Type.TOPIC, topic), List.of(new AlterConfigOp(
                    new ConfigEntry(TopicConfig.RETENTION_MS_CONFIG, String.valueOf(duration.toMillis())), AlterConfigOp.OpType.SET)));
            }
        });
        if (!changes.isEmpty()) {
            admin.incrementalAlterConfigs(changes).all().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            LOG.infof("topic retention set: %s", retention);
        }
    }

    private static List<String> create(Admin admin, Collection<NewTopic> topics, Duration timeout)
            throws InterruptedException, ExecutionException, TimeoutException {
        List<String> created = new ArrayList<>();
        for (var entry : admin.createTopics(topics).values().entrySet()) {
            try {
                entry.getValue().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
                created.add(entry.getKey());
                LOG.infof("created topic %s", entry.getKey());
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof TopicExistsException)) {
                    throw e;
                }
            }
        }
        return created;
    }
}
