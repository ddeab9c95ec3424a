package dev.tffashion.pipeline.quarkus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.tffashion.kafkalocal.testing.KafkaTestResource;
import dev.tffashion.pipeline.graph.PipelineGraph;
import dev.tffashion.pipeline.kafka.StatusEventSerde;
import dev.tffashion.pipeline.status.StatusEvent;
import dev.tffashion.pipeline.status.TaskState;
import io.quarkus.runtime.configuration.DurationConverter;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;

/**
 * {@link StatusReporter} on a real broker: an event is keyed {@code <task>/<instance>} with this replica's name, and published
 * again with a newer {@code heartbeatAt} while nothing changes, so a reader can tell a live replica from a killed one.
 */
class StatusReporterTest {

    private static KafkaTestResource kafka;
    private static String bootstrap;

    @BeforeAll
    static void startKafka() throws Exception {
        kafka = new KafkaTestResource();
        kafka.init(Map.of());
        bootstrap = kafka.start().get("kafka.bootstrap.servers");
        try (Admin admin = Admin.create(Map.<String, Object>of("bootstrap.servers", bootstrap))) {
            admin.createTopics(List.of(new NewTopic("replicas.status", Optional.of(1), Optional.empty()),
                    new NewTopic("jobs.status", Optional.of(1), Optional.empty()))).all().get();
        }
    }

    @AfterAll
    static void stopKafka() {
        if (kafka != null) {
            kafka.stop();
        }
    }

    @Test
    void eventsAreKeyedByTaskAndInstanceAndRepeatedAsHeartbeats() {
        StatusReporter reporter = reporter("replicas", " learn-2 ", bootstrap, Map.of("tf-fashion.status.heartbeat", "300ms"));
        List<ConsumerRecord<String, StatusEvent>> seen = new ArrayList<>();
        try (KafkaConsumer<String, StatusEvent> consumer = new KafkaConsumer<>(Map.<String, Object>of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap, ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.GROUP_ID_CONFIG, "status-reporter-test"), new StringDeserializer(),
                new StatusEventSerde.StatusEventDeserializer())) {
            consumer.subscribe(List.of("replicas.status"));
            StatusEvent reported = reporter.report("learn", TaskState.ACTIVE, "training");
            assertEquals("learn-2", reporter.instance());
            assertEquals("learn-2", reported.instance());

            Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> {
                consumer.poll(Duration.ofMillis(200)).forEach(seen::add);
                return seen.stream().filter(r -> r.value().heartbeatAt().isAfter(reported.updatedAt())).count() >= 2;
            });
        } finally {
            reporter.close();
        }
        for (ConsumerRecord<String, StatusEvent> record : seen) {
            assertEquals("learn/learn-2", record.key());
            assertEquals("learn-2", record.value().instance());
            assertEquals(TaskState.ACTIVE, record.value().state());
            assertEquals(reported(seen).updatedAt(), record.value().updatedAt(), "a heartbeat repeats the event as it was");
            assertNotNull(record.value().heartbeatAt());
        }
        assertTrue(seen.get(seen.size() - 1).value().heartbeatAt().isAfter(seen.get(0).value().heartbeatAt()));
    }

    /** A job that is not a task of the graph (predict's replay) is published too; a graph task or an unknown one goes through report. */
    @Test
    void aJobOutsideTheGraphIsPublishedAndATaskNameIsRefused() {
        StatusReporter reporter = reporter("jobs", "predict", bootstrap, Map.of());
        try (KafkaConsumer<String, StatusEvent> consumer = new KafkaConsumer<>(Map.<String, Object>of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap, ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.GROUP_ID_CONFIG, "status-reporter-job-test"), new StringDeserializer(),
                new StatusEventSerde.StatusEventDeserializer())) {
            consumer.subscribe(List.of("jobs.status"));
            assertThrows(IllegalArgumentException.class, () -> reporter.report("replay", TaskState.ACTIVE, "not a task of the graph"));
            var refused = assertThrows(IllegalArgumentException.class, () -> reporter.reportJob("learn", TaskState.ACTIVE, "a task",
                    null, Map.of()));
            assertTrue(refused.getMessage().contains("is a task of pipeline jobs"), refused.getMessage());
            reporter.reportJob("replay", TaskState.FAILED, "replay r1 failed", 0.5, Map.of("replayId", "r1"));
            List<StatusEvent> seen = new ArrayList<>();
            Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> {
                consumer.poll(Duration.ofMillis(200)).forEach(r -> {
                    if ("replay/predict".equals(r.key())) {
                        seen.add(r.value());
                    }
                });
                return !seen.isEmpty();
            });
            assertEquals(TaskState.FAILED, seen.get(0).state());
            assertEquals("replay r1 failed", seen.get(0).reason());
            assertEquals("r1", seen.get(0).details().get("replayId"));
        } finally {
            reporter.close();
        }
    }

    /**
     * With the broker away, a report returns at once: the producer's send, which waits for the topic's metadata up to the status
     * producer's max.block.ms, runs on the reporter's own thread, never on the caller's (an HTTP request, a task runner). The
     * latest event is still the one kept for health and REST answers, and closing waits for Kafka at most twice MAX_BLOCK.
     */
    @Test
    void reportingNeverWaitsForABrokerThatIsAway() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = socket.getLocalPort();
        }
        StatusReporter reporter = reporter("away", "learn", "127.0.0.1:" + closedPort, Map.of());
        long closeMillis;
        try {
            long started = System.nanoTime();
            for (int i = 1; i <= 3; i++) {
                reporter.report("learn", TaskState.WAITING, "Kafka is away, try " + i);
            }
            long millis = (System.nanoTime() - started) / 1_000_000;
            assertTrue(millis < StatusReporter.MAX_BLOCK.toMillis(), "three reports took " + millis + " ms: a caller waited for Kafka");
            assertEquals("Kafka is away, try 3", reporter.last("learn").reason());
        } finally {
            long closing = System.nanoTime();
            reporter.close();
            closeMillis = (System.nanoTime() - closing) / 1_000_000;
        }
        assertTrue(closeMillis < 2 * StatusReporter.MAX_BLOCK.toMillis() + 1000, "close took " + closeMillis + " ms, more than its"
                + " deadline (" + StatusReporter.MAX_BLOCK.toMillis() + " ms) plus one send's wait for metadata");
    }

    /** A started reporter of the pipeline's status topic, as the given instance, every event sent at once (min-interval 0). */
    private static StatusReporter reporter(String pipeline, String instance, String bootstrapServers, Map<String, String> settings) {
        Map<String, String> values = new HashMap<>(settings);
        values.put("tf-fashion.pipeline", pipeline);
        values.put("tf-fashion.instance", instance);
        values.put("tf-fashion.status.min-interval", "0");
        SmallRyeConfig config = new SmallRyeConfigBuilder().withMapping(PipelineConfig.class)
                .withConverter(Duration.class, 100, new DurationConverter())
                .withSources(new PropertiesConfigSource(values, "test", 100))
                .build();
        StatusReporter reporter = new StatusReporter();
        reporter.graph = PipelineGraph.load(pipeline);
        reporter.kafka = Map.of("bootstrap.servers", bootstrapServers);
        reporter.config = config.getConfigMapping(PipelineConfig.class);
        reporter.init();
        return reporter;
    }

    private static StatusEvent reported(List<ConsumerRecord<String, StatusEvent>> seen) {
        return seen.get(0).value();
    }
}
