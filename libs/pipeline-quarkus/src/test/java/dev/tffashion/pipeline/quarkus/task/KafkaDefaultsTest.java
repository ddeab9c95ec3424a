package dev.tffashion.pipeline.quarkus.task;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

import org.junit.jupiter.api.Test;

/**
 * The Kafka client defaults pipeline-quarkus ships for every channel: below application.properties, and the values the task runtime's
 * guarantees and the hot path's latency rely on (docs/configuration.md, "Kafka client settings per hop").
 */
class KafkaDefaultsTest {

    private static final String CONNECTOR = "mp.messaging.connector.smallrye-kafka.";

    @Test
    void everyChannelSendsAtOnceToAllReplicasAndNeverWaitsToFillAFetch() throws IOException {
        Properties defaults = new Properties();
        try (InputStream in = KafkaDefaultsTest.class.getResourceAsStream("/META-INF/microprofile-config.properties")) {
            assertNotNull(in, "META-INF/microprofile-config.properties is on the class path");
            defaults.load(in);
        }
        assertEquals("100", defaults.getProperty("config_ordinal"), "below application.properties (250)");
        assertEquals("all", defaults.getProperty(CONNECTOR + "acks"));
        assertEquals("true", defaults.getProperty(CONNECTOR + "enable.idempotence"));
        assertEquals("0", defaults.getProperty(CONNECTOR + "linger.ms"));
        assertEquals("none", defaults.getProperty(CONNECTOR + "compression.type"));
        assertEquals("1", defaults.getProperty(CONNECTOR + "fetch.min.bytes"));
        assertEquals("false", defaults.getProperty(CONNECTOR + "enable.auto.commit"));
        assertEquals("throttled", defaults.getProperty(CONNECTOR + "commit-strategy"));
        assertEquals("0", defaults.getProperty(CONNECTOR + "throttled.unprocessed-record-max-age.ms"));
        assertEquals("dead-letter-queue", defaults.getProperty(CONNECTOR + "failure-strategy"));
        assertEquals("earliest", defaults.getProperty(CONNECTOR + "auto.offset.reset"));
        assertEquals("false", defaults.getProperty(CONNECTOR + "cloud-events"),
            "the task runtime reads the ce_ headers itself; SmallRye would parse every record again");
        assertEquals("read_committed", defaults.getProperty(CONNECTOR + "isolation.level"), "README, \"Exactly once\"");
        int deliveryTimeout = Integer.parseInt(defaults.getProperty(CONNECTOR + "delivery.timeout.ms"));
        assertEquals(true, deliveryTimeout < 30_000, "Kafka gives up on a record before a task's 30 s try ends");
    }
}
