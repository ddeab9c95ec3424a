package dev.tffashion.kafkalocal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.TopicExistsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes sure topics exist, idempotently: missing topics are created from their {@link TopicSpec}, existing ones are
 * left alone (a warning is logged when their cleanup policy or partition count differs from the spec).
 */
public final class TopicAdmin {

    /** Default time allowed for {@link #ensureTopics(String, List)}. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);

    private static final Logger LOG = LoggerFactory.getLogger(TopicAdmin.class);

    private TopicAdmin() {
    }

    /** {@link #ensureTopics(String, List, Duration)} with {@link #DEFAULT_TIMEOUT}. */
    public static Set<String> ensureTopics(String bootstrapServers, List<TopicSpec> specs) {
        return ensureTopics(bootstrapServers, specs, DEFAULT_TIMEOUT);
    }

    /**
     * Creates the topics of {@code specs} that do not exist yet on the cluster at {@code bootstrapServers}.
     *
     * @return the names of the topics created by this call (empty when all existed)
     * @throws IllegalArgumentException when the specs name a topic twice or the bootstrap servers are blank
     * @throws IllegalStateException when Kafka does not answer within {@code timeout} or refuses a topic
     */
    public static Set<String> ensureTopics(String bootstrapServers, List<TopicSpec> specs, Duration timeout) {
        if (bootstrapServers == null || bootstrapServers.isBlank()) {
            throw new IllegalArgumentException("Kafka bootstrap servers must not be blank: give host:port, e.g. 127.0.0.1:9092");
        }
        int timeoutMs = (int) Math.min(Integer.MAX_VALUE, checkTimeout(timeout).toMillis());
        Map<String, Object> config = Map.of(
            AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
            AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, timeoutMs,
            AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, Math.min(timeoutMs, 10_000));
        try (Admin admin = Admin.create(config)) {
            return ensureTopics(admin, specs, timeout);
        }
    }

    /** Like {@link #ensureTopics(String, List, Duration)}, with an {@link Admin} client the caller owns. */
    public static Set<String> ensureTopics(Admin admin, List<TopicSpec> specs, Duration timeout) {
        Map<String, TopicSpec> byName = byName(specs);
        if (byName.isEmpty()) {
            return Set.of();
        }
        long deadline = System.nanoTime() + checkTimeout(timeout).toNanos();
        Set<String> existing = new LinkedHashSet<>(await(admin.listTopics().names(), deadline, "list the topics"));
        List<NewTopic> missing = new ArrayList<>();
        for (TopicSpec spec : byName.values()) {
            if (!existing.contains(spec.name())) {
                missing.add(new NewTopic(spec.name(), spec.partitions(), spec.replication()).configs(spec.config()));
            }
        }
        Set<String> created = new LinkedHashSet<>();
        if (!missing.isEmpty()) {
            Map<String, KafkaFuture<Void>> results = admin.createTopics(missing).values();
            for (Map.Entry<String, KafkaFuture<Void>> result : results.entrySet()) {
                try {
                    await(result.getValue(), deadline, "create topic " + result.getKey());
                    created.add(result.getKey());
                } catch (IllegalStateException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw e;
                    }
                    existing.add(result.getKey());
                }
            }
            LOG.info("Created Kafka topics {}", created);
        }
        List<TopicSpec> toCheck = byName.values().stream().filter(spec -> !created.contains(spec.name())).toList();
        if (!toCheck.isEmpty()) {
            checkExisting(admin, toCheck, deadline);
        }
        return Set.copyOf(created);
    }

    private static void checkExisting(Admin admin, List<TopicSpec> specs, long deadline) {
        List<String> names = specs.stream().map(TopicSpec::name).toList();
        List<ConfigResource> resources = names.stream().map(name -> new ConfigResource(ConfigResource.Type.TOPIC, name)).toList();
        Map<ConfigResource, Config> configs =
            await(admin.describeConfigs(resources).all(), deadline, "describe the configuration of " + names);
        Map<String, TopicDescription> descriptions = await(admin.describeTopics(names).allTopicNames(), deadline, "describe " + names);
        for (TopicSpec spec : specs) {
            ConfigEntry entry = configs.get(new ConfigResource(ConfigResource.Type.TOPIC, spec.name())).get(TopicSpec.CLEANUP_POLICY);
            String actualPolicy = entry == null ? "delete" : entry.value();
            String wantedPolicy = spec.config().getOrDefault(TopicSpec.CLEANUP_POLICY, "delete");
            if (spec.isCompacted() != TopicSpec.isCompacted(actualPolicy)) {
                LOG.warn("Kafka topic {} exists with cleanup.policy={} but the spec asks for cleanup.policy={}; it is left unchanged: "
                    + "delete the topic to have it recreated, or alter its configuration", spec.name(), actualPolicy, wantedPolicy);
            }
            int actualPartitions = descriptions.get(spec.name()).partitions().size();
            if (actualPartitions != spec.partitions()) {
                LOG.warn("Kafka topic {} exists with {} partitions but the spec asks for {}; it is left unchanged",
                    spec.name(), actualPartitions, spec.partitions());
            }
        }
    }

    private static Map<String, TopicSpec> byName(Collection<TopicSpec> specs) {
        if (specs == null) {
            throw new IllegalArgumentException("Topic specs must not be null: give a list, possibly empty");
        }
        Map<String, TopicSpec> byName = new LinkedHashMap<>();
        Map<String, Integer> counts = new HashMap<>();
        for (TopicSpec spec : specs) {
            if (spec == null) {
                throw new IllegalArgumentException("Topic specs must not contain null");
            }
            byName.put(spec.name(), spec);
            counts.merge(spec.name(), 1, Integer::sum);
        }
        List<String> duplicates = counts.entrySet().stream().filter(e -> e.getValue() > 1).map(Map.Entry::getKey).sorted().toList();
        if (!duplicates.isEmpty()) {
            throw new IllegalArgumentException("Topic specs name these topics more than once: " + duplicates + "; give one spec each");
        }
        return byName;
    }

    private static Duration checkTimeout(Duration timeout) {
        if (timeout == null || timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("Topic admin timeout must be positive, not " + timeout);
        }
        return timeout;
    }

    private static <T> T await(KafkaFuture<T> future, long deadline, String what) {
        long remaining = Math.max(1, deadline - System.nanoTime());
        try {
            return future.get(remaining, TimeUnit.NANOSECONDS);
        } catch (ExecutionException e) {
            throw new IllegalStateException("Kafka could not " + what + ": " + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("Kafka did not " + what + " in time: is the broker running and reachable?", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while waiting for Kafka to " + what, e);
        }
    }
}
