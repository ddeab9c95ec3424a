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
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
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
                    missing.add(newTopic(spec, replication));
                } else if (!spec.compacted() && spec.partitions() > 1) {
                    present.add(spec);
                }
            }
            List<String> created = create(admin, missing, timeout);
            grow(admin, present, timeout);
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

    private static NewTopic newTopic(PipelineGraph.TopicSpec spec, short replication) {
        NewTopic topic = new NewTopic(spec.name(), spec.partitions(), replication);
        if (spec.compacted()) {
            topic.configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT,
                    TopicConfig.MIN_COMPACTION_LAG_MS_CONFIG, "0",
                    TopicConfig.SEGMENT_MS_CONFIG, String.valueOf(Duration.ofHours(1).toMillis())));
        }
        return topic;
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
