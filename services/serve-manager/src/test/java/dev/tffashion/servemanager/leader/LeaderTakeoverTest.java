package dev.tffashion.servemanager.leader;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import jakarta.inject.Inject;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

import dev.tffashion.kafkalocal.testing.KafkaTestResource;
import dev.tffashion.pipeline.AnnotatedValue;
import dev.tffashion.pipeline.kafka.ValueRecords;
import dev.tffashion.pipeline.quarkus.StatusReporter;
import dev.tffashion.pipeline.status.StatusEvent;
import dev.tffashion.pipeline.status.TaskState;
import dev.tffashion.servemanager.ModelRepository;
import dev.tffashion.servemanager.ServeStartup;
import dev.tffashion.servemanager.ServingTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kafka.InjectKafkaCompanion;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import io.smallrye.reactive.messaging.kafka.companion.ConsumerTask;
import io.smallrye.reactive.messaging.kafka.companion.KafkaCompanion;

/**
 * A serve-manager that starts while another replica leads stays a standby: status {@code standby}, no endpoint, and the leader's
 * unfinished version ({@code .incoming-2}, as if it were unpacking it) is left alone. When the leader's process is killed with
 * {@code kill -9}, this one leads, cleans the unfinished version, announces the endpoint again and reports {@code active} within
 * 15 s of the kill (measured and printed).
 */
@QuarkusTest
@WithTestResource(RivalLeaderResource.class)
@WithTestResource(value = ServingTestResource.class, initArgs = @ResourceArg(name = ServingTestResource.PREINSTALL, value = "model-v1"))
@WithKubernetesTestServer(crud = true)
class LeaderTakeoverTest {

    private static final Duration TAKEOVER_LIMIT = Duration.ofSeconds(15);

    @InjectKafkaCompanion
    KafkaCompanion companion;

    @Inject
    StatusReporter status;

    @Inject
    ModelRepository repository;

    @Inject
    ServeStartup startup;

    @Test
    void aStandbyLeavesTheLeadersWorkAloneThenTakesOverWithin15SecondsOfAKill9() throws Exception {
        await().atMost(Duration.ofSeconds(60)).until(() -> state() == TaskState.STANDBY);
        awaitMembers(2);
        assertThat(startup.leading()).isFalse();
        assertThat(status.last("serve").reason()).contains("standby").contains(status.instance());
        assertThat(repository.basePath().resolve(".incoming-2")).as("a standby does not clean the leader's unfinished version")
                .isDirectory();
        assertThat(companion.consumeStrings().withProp(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest")
                .fromTopics("tf-fashion.serve.endpoint").awaitNoRecords(Duration.ofSeconds(2)).getRecords()).isEmpty();

        long killed = System.nanoTime();
        RivalLeaderResource.rival().kill();
        await().atMost(TAKEOVER_LIMIT).pollInterval(Duration.ofMillis(20)).until(() -> state() == TaskState.ACTIVE);
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killed);
        System.out.printf("MEASURED kill -9 of the leader to this serve-manager's status active: %d ms%n", millis);
        assertThat(millis).isLessThan(TAKEOVER_LIMIT.toMillis());

        assertThat(startup.leading()).isTrue();
        assertThat(repository.basePath().resolve(".incoming-2")).as("the new leader cleans unfinished versions").doesNotExist();
        try (ConsumerTask<String, String> endpoints = companion.consumeStrings()
                .withProp(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest").fromTopics("tf-fashion.serve.endpoint")) {
            ConsumerRecord<String, String> record = endpoints.awaitRecords(1, Duration.ofSeconds(10)).getFirstRecord();
            AnnotatedValue endpoint = ValueRecords.decode(record.headers(), record.value().getBytes(StandardCharsets.UTF_8));
            assertThat(endpoint.sourceIds("model")).containsExactly("model-v1");
        }
        StatusEvent active = status.last("serve");
        assertThat(active.instance()).isEqualTo(status.instance());
        assertThat(active.key()).isEqualTo("serve/" + status.instance());
    }

    private TaskState state() {
        StatusEvent last = status.last("serve");
        return last == null ? null : last.state();
    }

    private static void awaitMembers(int members) {
        try (Admin admin = Admin.create(Map.<String, Object>of("bootstrap.servers", KafkaTestResource.bootstrapServers()))) {
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                var group = admin.describeConsumerGroups(List.of(RivalLeaderResource.GROUP)).all().get(10, TimeUnit.SECONDS)
                        .get(RivalLeaderResource.GROUP);
                return group.members().size() == members && "STABLE".equals(group.groupState().name());
            });
        }
    }
}
