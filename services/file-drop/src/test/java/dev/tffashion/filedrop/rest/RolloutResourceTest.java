package dev.tffashion.filedrop.rest;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.Serdes;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import dev.tffashion.filedrop.status.TaskStatusBoard;
import dev.tffashion.kafkalocal.testing.KafkaTestResource;
import dev.tffashion.pipeline.Json;
import dev.tffashion.pipeline.contracts.RolloutCommand;
import dev.tffashion.pipeline.status.StatusEvent;
import dev.tffashion.pipeline.status.TaskState;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.kafka.InjectKafkaCompanion;
import io.smallrye.reactive.messaging.kafka.companion.ConsumerTask;
import io.smallrye.reactive.messaging.kafka.companion.KafkaCompanion;
import jakarta.inject.Inject;

/**
 * The rollout API on a real broker, with a write token: the GET shows what the serve task reports, the manual commands need the
 * token, a bad version is a 400 saying what to send, and an accepted rollback is on {@code tf-fashion.serve.control} for the
 * serve-manager leader.
 */
@QuarkusTest
@TestProfile(DropTokenTest.WithToken.class)
@WithTestResource(KafkaTestResource.class)
class RolloutResourceTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    @InjectKafkaCompanion
    KafkaCompanion companion;

    @Inject
    TaskStatusBoard board;

    @Test
    void aRollbackWithoutVersionIsForTheInstalledVersionBelowTheLiveOne() {
        assertEquals(4L, RolloutResource.belowLive(Map.of("liveVersion", 7, "installedVersions", List.of(2, 4, 7, 9))));
        assertNull(RolloutResource.belowLive(Map.of("liveVersion", 2, "installedVersions", List.of(2, 3))), "none below the live one");
        assertNull(RolloutResource.belowLive(Map.of("liveVersion", 2)), "no installed versions reported");
    }

    @Test
    void showsTheRolloutAndSendsCommandsBehindTheToken() {
        Awaitility.await().atMost(WAIT).until(board::caughtUp);
        Map<String, Object> rollout = Map.of("modelName", "fashion", "policy", "shadow", "liveVersion", 1, "challengerVersion", 2,
            "shadow", Map.of("predictions", 7, "agreement", 0.75));
        byte[] event = Json.toBytes(new StatusEvent("serve", TaskState.ACTIVE, "serving", null, Map.of(), Instant.now(),
            Map.of("rollout", rollout), "sm-1", Instant.now()));
        companion.produce(Serdes.String(), Serdes.ByteArray()).fromRecords(new ProducerRecord<>("tf-fashion.status", "serve/sm-1",
            event)).awaitCompletion();
        Awaitility.await().atMost(WAIT).until(() -> given().get("/v1/rollout/fashion").statusCode() == 200);
        given().get("/v1/rollout/fashion").then().body("challengerVersion", equalTo(2)).body("shadow.agreement", equalTo(0.75f));
        given().get("/v1/rollout/other").then().statusCode(404).body("hint", containsString("/v1/rollout/fashion"));

        given().post("/v1/rollout/fashion/promote").then().statusCode(401);
        given().header("Authorization", "Bearer " + DropTokenTest.TOKEN).post("/v1/rollout/fashion/rollback?version=latest")
            .then().statusCode(400).body("error", containsString("not a version number"));

        ConsumerTask<String, String> commands = companion.consumeStrings()
            .withProp(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest").fromTopics("tf-fashion.serve.control");
        try {
            String id = given().header("Authorization", "Bearer " + DropTokenTest.TOKEN).post("/v1/rollout/fashion/rollback?version=1")
                .then().statusCode(202).body("action", equalTo("rollback")).extract().path("command");
            Awaitility.await().atMost(WAIT).until(() -> commands.getRecords().stream()
                .anyMatch(r -> RolloutCommand.from(r.value().getBytes()).id().equals(id)));
            ConsumerRecord<String, String> record = commands.getRecords().stream()
                .filter(r -> RolloutCommand.from(r.value().getBytes()).id().equals(id)).findFirst().orElseThrow();
            RolloutCommand command = RolloutCommand.from(record.value().getBytes());
            assertEquals("fashion", record.key());
            assertEquals(RolloutCommand.ROLLBACK, command.action());
            assertEquals(1L, command.version());
        } finally {
            commands.close();
        }
    }
}
