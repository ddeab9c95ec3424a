package dev.tffashion.servemanager;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;

import jakarta.inject.Inject;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

import dev.tffashion.kafkalocal.testing.KafkaTestResource;
import dev.tffashion.pipeline.AnnotatedValue;
import dev.tffashion.pipeline.kafka.ValueRecords;
import dev.tffashion.pipeline.quarkus.StatusReporter;
import dev.tffashion.pipeline.status.TaskState;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import io.smallrye.reactive.messaging.kafka.companion.ConsumerTask;
import io.smallrye.reactive.messaging.kafka.companion.KafkaCompanion;
import io.quarkus.test.kafka.InjectKafkaCompanion;

/** A restarted serve-manager announces the version it already serves, without reinstalling it. */
@QuarkusTest
@WithTestResource(KafkaTestResource.class)
@WithTestResource(value = ServingTestResource.class, initArgs = @ResourceArg(name = ServingTestResource.PREINSTALL, value = "model-v1"))
@WithKubernetesTestServer(crud = true)
class RestartTest {

    @InjectKafkaCompanion
    KafkaCompanion companion;

    @Inject
    ModelRepository repository;

    @Inject
    StatusReporter status;

    @Test
    void theServedVersionIsAnnouncedAgainAtStartWithoutReinstalling() {
        try (ConsumerTask<String, String> endpoints = companion.consumeStrings()
                .withProp(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest").fromTopics("tf-fashion.serve.endpoint")) {
            ConsumerRecord<String, String> record = endpoints.awaitRecords(1, Duration.ofSeconds(90)).getFirstRecord();
            AnnotatedValue endpoint = ValueRecords.decode(record.headers(), record.value().getBytes(StandardCharsets.UTF_8));

            assertThat(endpoint.sourceIds("model")).containsExactly("model-v1");
            assertThat(endpoint.annotation("modelVersion")).isEqualTo("1");
            assertThat(endpoint.annotation("testAccuracy")).isEqualTo("0.9");
            assertThat(record.key()).isEqualTo(endpoint.id());
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> status.last("serve") != null
                && status.last("serve").state() == TaskState.ACTIVE);
        assertThat(repository.versions()).extracting(InstalledVersion::version).containsExactly(1L);
        assertThat(repository.basePath().resolve(".incoming-2")).doesNotExist();
    }
}
