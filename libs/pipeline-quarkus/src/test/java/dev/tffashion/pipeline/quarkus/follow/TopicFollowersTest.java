package dev.tffashion.pipeline.quarkus.follow;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import dev.tffashion.kafkalocal.testing.KafkaTestResource;
import dev.tffashion.pipeline.Json;
import dev.tffashion.pipeline.graph.PipelineGraph;
import dev.tffashion.pipeline.quarkus.StatusReporter;
import dev.tffashion.pipeline.status.StatusEvent;
import dev.tffashion.pipeline.status.TaskState;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * In a Quarkus application whose only Kafka setting is {@code kafka.bootstrap.servers}: topic provisioning, the status
 * reporter and a follower from {@link TopicFollowers} all reach the broker through Quarkus's Kafka configuration.
 */
@QuarkusTest
@WithTestResource(value = KafkaTestResource.class, scope = TestResourceScope.MATCHING_RESOURCES)
class TopicFollowersTest {

    private static final Duration WAIT = Duration.ofSeconds(60);

    @Inject
    TopicFollowers followers;

    @Inject
    StatusReporter status;

    @Inject
    PipelineGraph graph;

    @Test
    void aFollowerFromQuarkusKafkaConfigReadsTheStatusTheReporterSends() throws Exception {
        List<StatusEvent> seen = new CopyOnWriteArrayList<>();
        TopicFollower follower = followers.follower("status-reader").topics(graph.statusTopic())
            .apply(r -> seen.add(Json.fromBytes(r.value(), StatusEvent.class))).start();
        follower.caughtUp().toCompletableFuture().get(WAIT.toSeconds(), TimeUnit.SECONDS);

        status.report("predict", TaskState.IDLE, "follower test");

        await().atMost(WAIT).until(() -> seen.stream().anyMatch(e -> "follower test".equals(e.reason())));
        assertTrue(follower.applied() >= 1);
        follower.close();
    }
}
