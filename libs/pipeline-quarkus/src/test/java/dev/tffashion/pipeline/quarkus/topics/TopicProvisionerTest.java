package dev.tffashion.pipeline.quarkus.topics;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.tffashion.kafkalocal.testing.KafkaTestResource;
import dev.tffashion.pipeline.graph.PipelineGraph;
import dev.tffashion.pipeline.kafka.TopicProvisioner;

/** {@link TopicProvisioner} against a real broker: creates the pipeline's topics, then grows data topics for more replicas. */
class TopicProvisionerTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    /** How long a change may take to reach the broker's metadata. */
    private static final Duration METADATA = Duration.ofSeconds(10);

    private static KafkaTestResource kafka;
    private static Map<String, Object> admin;

    @BeforeAll
    static void startKafka() {
        kafka = new KafkaTestResource();
        kafka.init(Map.of());
        admin = Map.of("bootstrap.servers", kafka.start().get("kafka.bootstrap.servers"));
    }

    @AfterAll
    static void stopKafka() {
        if (kafka != null) {
            kafka.stop();
        }
    }

    @Test
    void createsTheTopicsOnceThenGrowsDataTopicsButNeverCompactedOnes() throws Exception {
        PipelineGraph graph = PipelineGraph.load("grow");
        List<String> created = TopicProvisioner.ensureTopics(admin, graph, 1, (short) 1, TIMEOUT);
        assertEquals(graph.topics(1).size(), created.size(), "every topic is created on first start");
        assertTrue(TopicProvisioner.ensureTopics(admin, graph, 1, (short) 1, TIMEOUT).isEmpty(), "a second start creates nothing");

        assertTrue(TopicProvisioner.ensureTopics(admin, graph, 4, (short) 1, TIMEOUT).isEmpty(), "growing creates no topic");
        // The broker's metadata follows the controller's change a moment later: wait for it, the expectations unchanged
        await().atMost(METADATA).untilAsserted(() -> {
            Map<String, Integer> counts = partitions(graph);
            for (PipelineGraph.TopicSpec spec : graph.topics(4)) {
                assertEquals(spec.partitions(), counts.get(spec.name()), spec.name() + " after asking for 4 partitions");
            }
            assertEquals(4, counts.get(graph.topic("imageInput", "droppedFile")), "a data topic grows");
            assertEquals(1, counts.get(graph.statusTopic()), "the compacted status topic keeps one partition");
        });

        TopicProvisioner.ensureTopics(admin, graph, 2, (short) 1, TIMEOUT);
        Map<String, Integer> after = partitions(graph);
        assertEquals(4, after.get(graph.topic("imageInput", "droppedFile")), "a topic is never shrunk");
        assertFalse(after.isEmpty());
    }

    @Test
    void setsTheTensorTopicsRetentionAtCreationAndOnAnExistingTopic() throws Exception {
        PipelineGraph graph = PipelineGraph.load("retain");
        String tensors = graph.topic("imageConvert", "tensor");
        TopicProvisioner.ensureTopics(admin, graph, 1, (short) 1, TIMEOUT, Map.of(tensors, Duration.ofDays(30)));
        await().atMost(METADATA).ignoreExceptions().untilAsserted(
            () -> assertEquals(String.valueOf(Duration.ofDays(30).toMillis()), retention(tensors)));
        TopicProvisioner.ensureTopics(admin, graph, 1, (short) 1, TIMEOUT, Map.of(tensors, Duration.ofHours(2)));
        await().atMost(METADATA).untilAsserted(() -> assertEquals(String.valueOf(Duration.ofHours(2).toMillis()), retention(tensors),
            "an existing topic takes the new retention"));
    }

    private static String retention(String topic) throws Exception {
        try (Admin client = Admin.create(admin)) {
            ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
            return client.describeConfigs(List.of(resource)).all().get().get(resource).get(TopicConfig.RETENTION_MS_CONFIG).value();
        }
    }

    private static Map<String, Integer> partitions(PipelineGraph graph) throws Exception {
        try (Admin client = Admin.create(admin)) {
            Map<String, TopicDescription> described = client.describeTopics(graph.topics(1).stream().map(PipelineGraph.TopicSpec::name)
                .toList()).allTopicNames().get();
            return described.values().stream().collect(Collectors.toMap(TopicDescription::name, d -> d.partitions().size()));
        }
    }
}
