package dev.tffashion.kafkalocal.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.lang.reflect.Field;
import java.util.Map;
import java.util.Set;

import io.quarkus.test.kafka.InjectKafkaCompanion;
import io.smallrye.reactive.messaging.kafka.companion.ConsumerTask;
import io.smallrye.reactive.messaging.kafka.companion.KafkaCompanion;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

class KafkaTestResourceTest {

    @InjectKafkaCompanion
    KafkaCompanion companion;

    KafkaCompanion notAnnotated;

    @Test
    void embeddedModeConfiguresQuarkusInjectsACompanionAndExposesTheBootstrapServers() throws Exception {
        KafkaTestResource resource = new KafkaTestResource();
        resource.init(Map.of(KafkaTestResource.MODE, "embedded",
            KafkaTestResource.TOPICS, "companion.test, other.test",
            KafkaTestResource.COMPACTED_TOPICS, "companion.status"));
        try {
            Map<String, String> config = resource.start();
            String bootstrap = config.get("kafka.bootstrap.servers");
            assertNotNull(bootstrap);
            assertEquals("false", config.get("quarkus.kafka.devservices.enabled"));
            assertEquals(bootstrap, KafkaTestResource.bootstrapServers());

            resource.inject((value, predicate) -> {
                for (Field field : getClass().getDeclaredFields()) {
                    if (predicate.test(field)) {
                        field.setAccessible(true);
                        try {
                            field.set(this, value);
                        } catch (IllegalAccessException e) {
                            throw new IllegalStateException(e);
                        }
                    }
                }
            });
            assertNotNull(companion);
            assertNull(notAnnotated);
            assertEquals(bootstrap, companion.getBootstrapServers());

            assertEquals(Set.of("companion.test", "other.test", "companion.status"), companion.topics().list());
            companion.produceStrings().fromRecords(new ProducerRecord<>("companion.test", "k", "v")).awaitCompletion();
            ConsumerTask<String, String> records = companion.consumeStrings().fromTopics("companion.test", 1).awaitCompletion();
            assertEquals("v", records.getFirstRecord().value());
        } finally {
            resource.stop();
        }
        assertThrows(IllegalStateException.class, KafkaTestResource::bootstrapServers);
    }

    @Test
    void rejectsAnUnknownMode() {
        KafkaTestResource resource = new KafkaTestResource();
        resource.init(Map.of(KafkaTestResource.MODE, "docker"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, resource::start);
        assertEquals("KafkaTestResource mode must be auto, container or embedded, not 'docker'", e.getMessage());
    }
}
