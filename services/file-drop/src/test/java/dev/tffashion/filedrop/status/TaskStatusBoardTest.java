package dev.tffashion.filedrop.status;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItems;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

import jakarta.inject.Inject;

import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.Serdes;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import dev.tffashion.filedrop.messaging.LiveFeed;
import dev.tffashion.kafkalocal.testing.KafkaTestResource;
import dev.tffashion.pipeline.Json;
import dev.tffashion.pipeline.status.StatusEvent;
import dev.tffashion.pipeline.status.TaskState;
import dev.tffashion.pipeline.status.TaskStatus;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kafka.InjectKafkaCompanion;
import io.smallrye.reactive.messaging.kafka.companion.KafkaCompanion;

/**
 * Status per replica on a real broker: events keyed {@code <task>/<instance>} of two replicas of one task are aggregated per task
 * in {@code GET /v1/pipeline} (state from the working replica, counters summed, every replica listed), a replica without heartbeat
 * is stale, a tombstone removes a replica, a record that is not a status event is skipped, and the live feed sends the aggregate.
 */
@QuarkusTest
@WithTestResource(KafkaTestResource.class)
class TaskStatusBoardTest {

    private static final String STATUS = "tf-fashion.status";
    private static final Duration WAIT = Duration.ofSeconds(30);

    @InjectKafkaCompanion
    KafkaCompanion companion;

    @Inject
    TaskStatusBoard board;

    @Inject
    LiveFeed feed;

    @Test
    void replicasOfATaskAreAggregatedListedAndFollowedLive() {
        List<TaskStatus> live = new CopyOnWriteArrayList<>();
        Consumer<LiveFeed.Change> listener = change -> {
            if (TaskStatusBoard.FEED_KIND.equals(change.kind()) && change.payload() instanceof TaskStatus s && "serve".equals(s.task())) {
                live.add(s);
            }
        };
        feed.addListener(listener);
        try {
            Awaitility.await().atMost(WAIT).until(board::caughtUp);
            Instant now = Instant.now();
            Instant old = now.minus(Duration.ofMinutes(10));
            send("serve/sm-1", event("sm-1", TaskState.ACTIVE, old, old, 3));
            send("serve/sm-2", event("sm-2", TaskState.STANDBY, now, now, 0));
            send("serve/garbage", "{{not a status".getBytes(StandardCharsets.UTF_8));
            send("serve/sm-3", event("sm-3", TaskState.STANDBY, now, now, 1));

            Awaitility.await().atMost(WAIT).until(() -> board.task("serve").map(s -> s.replicas().size() == 3).orElse(false));
            given().get("/v1/pipeline").then().statusCode(200)
                    .body("status.serve.state", equalTo("standby"))
                    .body("status.serve.counters.consumed", equalTo(4))
                    .body("status.serve.replicas.instance", hasItems("sm-1", "sm-2", "sm-3"))
                    .body("status.serve.replicas.find { it.instance == 'sm-1' }.stale", equalTo(true))
                    .body("status.serve.replicas.find { it.instance == 'sm-2' }.stale", equalTo(false));

            Instant later = Instant.now();
            send("serve/sm-2", event("sm-2", TaskState.ACTIVE, later, later, 2));
            Awaitility.await().atMost(WAIT).until(() -> board.task("serve").map(s -> s.state() == TaskState.ACTIVE).orElse(false));
            TaskStatus taken = board.task("serve").orElseThrow();
            assertEquals("sm-2", taken.instance());
            assertEquals(6L, taken.counters().get("consumed"));
            Awaitility.await().atMost(WAIT).until(() -> live.stream().anyMatch(s -> s.state() == TaskState.ACTIVE
                    && "sm-2".equals(s.instance())));

            send("serve/sm-1", null);
            Awaitility.await().atMost(WAIT).until(() -> board.task("serve").map(s -> s.replicas().size() == 2).orElse(false));
            given().get("/v1/pipeline").then().statusCode(200).body("status.serve.state", equalTo("active"))
                    .body("status.serve.instance", equalTo("sm-2"));

            send("learn", Json.toBytes(new StatusEvent("learn", TaskState.SUCCEEDED, "before replicas had names", null, Map.of(),
                    now, Map.of())));
            Awaitility.await().atMost(WAIT).until(() -> board.task("learn").isPresent());
            assertEquals(TaskStatus.UNNAMED, board.task("learn").orElseThrow().replicas().get(0).instance());
            assertTrue(live.stream().allMatch(s -> !s.replicas().isEmpty()), "every live aggregate lists its replicas");
        } finally {
            feed.removeListener(listener);
        }
    }

    private static byte[] event(String instance, TaskState state, Instant updatedAt, Instant heartbeatAt, long consumed) {
        return Json.toBytes(new StatusEvent("serve", state, instance + " " + state.wireName(), null, Map.of("consumed", consumed),
                updatedAt, Map.of(), instance, heartbeatAt));
    }

    private void send(String key, byte[] value) {
        companion.produce(Serdes.String(), Serdes.ByteArray()).fromRecords(new ProducerRecord<>(STATUS, key, value))
                .awaitCompletion();
    }
}
