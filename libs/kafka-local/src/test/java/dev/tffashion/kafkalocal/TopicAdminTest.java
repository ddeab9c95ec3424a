package dev.tffashion.kafkalocal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class TopicAdminTest {

    private static KafkaLocal kafka;

    @BeforeAll
    static void startKafka() {
        kafka = KafkaLocal.builder().build().start();
    }

    @AfterAll
    static void stopKafka() {
        if (kafka != null) {
            kafka.close();
        }
    }

    @Test
    void createsACompactedTopicAndIsIdempotent() throws Exception {
        List<TopicSpec> specs = List.of(
            TopicSpec.compacted("test.status", 1),
            new TopicSpec("test.values", 2, (short) 1, Map.of("retention.ms", "3600000")));

        assertEquals(Set.of("test.status", "test.values"), TopicAdmin.ensureTopics(kafka.bootstrapServers(), specs));
        assertEquals(Set.of(), TopicAdmin.ensureTopics(kafka.bootstrapServers(), specs), "a second run creates nothing");

        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
            assertEquals("compact", config(admin, "test.status").get("cleanup.policy").value());
            assertEquals("delete", config(admin, "test.values").get("cleanup.policy").value());
            assertEquals("3600000", config(admin, "test.values").get("retention.ms").value());
            int partitions = admin.describeTopics(List.of("test.values")).allTopicNames().get(10, TimeUnit.SECONDS)
                .get("test.values").partitions().size();
            assertEquals(2, partitions);
        }
    }

    @Test
    void leavesAnExistingTopicAloneWhenItsCleanupPolicyDiffers() throws Exception {
        TopicAdmin.ensureTopics(kafka.bootstrapServers(), List.of(TopicSpec.of("test.plain", 1)));

        Set<String> created = TopicAdmin.ensureTopics(kafka.bootstrapServers(), List.of(TopicSpec.compacted("test.plain", 1)));

        assertEquals(Set.of(), created);
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
            assertEquals("delete", config(admin, "test.plain").get("cleanup.policy").value());
        }
    }

    @Test
    void failsWithinTheTimeoutWhenNoBrokerAnswers() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            closedPort = socket.getLocalPort();
        }
        long started = System.nanoTime();
        IllegalStateException e = assertThrows(IllegalStateException.class,
            () -> TopicAdmin.ensureTopics("127.0.0.1:" + closedPort, List.of(TopicSpec.of("nowhere", 1)), Duration.ofSeconds(2)));
        assertTrue(e.getMessage().contains("list the topics"), e.getMessage());
        assertTrue(System.nanoTime() - started < TimeUnit.SECONDS.toNanos(15), "gives up near the timeout");
    }

    @Test
    void rejectsBadSpecs() {
        assertThrows(IllegalArgumentException.class, () -> TopicSpec.of("bad name", 1));
        assertThrows(IllegalArgumentException.class, () -> TopicSpec.of("ok", 0));
        assertThrows(IllegalArgumentException.class, () -> new TopicSpec("ok", 1, (short) 0, Map.of()));
        assertThrows(IllegalArgumentException.class,
            () -> TopicAdmin.ensureTopics(kafka.bootstrapServers(), List.of(TopicSpec.of("twice", 1), TopicSpec.compacted("twice", 1))));
        assertTrue(TopicSpec.compacted("c", 1).isCompacted());
        assertTrue(new TopicSpec("c", 1, (short) 1, Map.of("cleanup.policy", "compact,delete")).isCompacted());
    }

    private static Config config(Admin admin, String topic) throws Exception {
        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        return admin.describeConfigs(List.of(resource)).all().get(10, TimeUnit.SECONDS).get(resource);
    }
}
