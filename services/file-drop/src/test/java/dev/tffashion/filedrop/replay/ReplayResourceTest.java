package dev.tffashion.filedrop.replay;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.notNullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import jakarta.inject.Inject;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.Serdes;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import dev.tffashion.kafkalocal.testing.KafkaTestResource;
import dev.tffashion.pipeline.AnnotatedValue;
import dev.tffashion.pipeline.contracts.PredictionValue;
import dev.tffashion.pipeline.contracts.replay.ReplayReport;
import dev.tffashion.pipeline.contracts.replay.ReplayRequest;
import dev.tffashion.pipeline.contracts.replay.ReplayTally;
import dev.tffashion.pipeline.contracts.replay.Replays;
import dev.tffashion.pipeline.kafka.ValueRecords;
import dev.tffashion.pipeline.store.ContentStore;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kafka.InjectKafkaCompanion;
import io.smallrye.reactive.messaging.kafka.companion.KafkaCompanion;

/**
 * {@code POST /v1/replay} publishes the request (bad bodies are 400 with what is wrong), {@code GET /v1/replay/{id}} serves the
 * report predict's job wrote, and {@code GET /v1/predictions/{image}} answers the newest prediction and lists the superseded one.
 */
@QuarkusTest
@WithTestResource(KafkaTestResource.class)
class ReplayResourceTest {

    private static final String REQUESTS = "tf-fashion.replay.request";
    private static final String REPORTS = "tf-fashion.replay.report";
    private static final String PREDICTIONS = "tf-fashion.predict.prediction";
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    @InjectKafkaCompanion
    KafkaCompanion companion;

    @Inject
    ContentStore store;

    @Test
    void badBodiesAre400WithWhatIsWrongAndAHint() {
        given().body("{\"fromVersion\": 1}").post("/v1/replay").then().statusCode(400)
            .body("error", containsString("only fromVersion")).body("hint", containsString("toVersion"));
        given().body("{\"version\": 2, \"since\": \"last week\"}").post("/v1/replay").then().statusCode(400)
            .body("error", containsString("not an ISO-8601 instant")).body("hint", notNullValue());
        given().body("").post("/v1/replay").then().statusCode(400).body("error", containsString("no body"));
        given().body("{\"version\": 2, \"pad\": \"" + "x".repeat(70_000) + "\"}").post("/v1/replay").then().statusCode(413)
            .body("error", containsString("more than the limit of 65536 bytes"))
            .body("hint", containsString("file-drop.max-request-bytes"));
        given().body("{\"version\": 2, \"color\": \"red\"}").post("/v1/replay").then().statusCode(400)
            .body("error", containsString("unknown field(s) [color]"));
    }

    @Test
    void aPostedReplayIsPublishedUnderItsDerivedId() {
        ReplayRequest expected = ReplayRequest.between(3, 4);
        given().contentType("application/json").body("{\"fromVersion\": 3, \"toVersion\": 4}").post("/v1/replay").then().statusCode(202)
            .body("id", equalTo(expected.id())).body("state", equalTo("requested")).body("report", equalTo("/v1/replay/" + expected.id()));
        ConsumerRecord<String, byte[]> record = companion.consume(Serdes.String(), Serdes.ByteArray()).fromTopics(REQUESTS)
            .awaitRecords(1, TIMEOUT).getRecords().stream().filter(r -> expected.id().equals(r.key())).findFirst().orElseThrow();
        assertEquals(expected, ReplayRequest.fromJson(record.value()));
        given().get("/v1/replay/" + expected.id()).then().statusCode(404).body("hint", containsString("predict"));
    }

    @Test
    void theReportListsFlipsWithPicturesAndThePredictionAnswersTheNewest() {
        ReplayRequest request = ReplayRequest.between(1, 2);
        String image = "replayed-image-1";
        PredictionValue old = prediction(image, 1, 6, "Shirt", "p-old", Instant.parse("2026-12-01T00:00:00Z"));
        String newId = ReplayRequest.predictionId(request.id(), old.tensorId());
        PredictionValue replayed = prediction(image, 2, 0, "T-shirt/top", newId, Instant.parse("2026-12-02T00:00:00Z"));
        send(PREDICTIONS, old.id(), ValueRecordsOf.value(old.toValue(store)));
        send(PREDICTIONS, newId, ValueRecordsOf.value(Replays.superseding(replayed, request.id(), old.id(), store)));

        ReplayTally tally = new ReplayTally(request, "fashion", Instant.parse("2026-12-02T00:00:00Z"));
        tally.selected(2, 0);
        tally.replayed(image, old.tensorId(), old.id(), new ReplayTally.Label(6, "Shirt"), 1, newId,
            new ReplayTally.Label(0, "T-shirt/top"));
        tally.outOfReach(List.of("gone-image"));
        ReplayReport report = tally.report(ReplayReport.State.DONE, null, new ReplayReport.Checkpoint(Map.of(0, 5L), Map.of(0, 5L)),
            store);
        companion.produce(Serdes.String(), Serdes.ByteArray()).fromRecords(new ProducerRecord<>(REPORTS, request.id(), report.toJson()))
            .awaitCompletion();

        Awaitility.await().atMost(TIMEOUT).until(() -> given().get("/v1/replay/" + request.id()).statusCode() == 200);
        given().get("/v1/replay/" + request.id()).then().statusCode(200)
            .body("state", equalTo("done"))
            .body("describe", equalTo("v1 -> v2"))
            .body("counts.replayed", equalTo(1))
            .body("counts.flipped", equalTo(1))
            .body("counts.outOfReach", equalTo(1))
            .body("changes.'Shirt -> T-shirt/top'", equalTo(1))
            .body("perClass.find { it.label == 6 }.lost", equalTo(1))
            .body("flips[0].imageId", equalTo(image))
            .body("flips[0].before.className", equalTo("Shirt"))
            .body("flips[0].after.className", equalTo("T-shirt/top"))
            .body("flips[0].preview", equalTo("/v1/values/" + old.tensorId() + "/preview"))
            .body("outOfReach", equalTo(List.of("gone-image")));
        given().get("/v1/replay").then().statusCode(200).body("id", hasItem(request.id()));
        given().body("{\"toVersion\": 2, \"fromVersion\": 1}").post("/v1/replay").then().statusCode(200).body("state", equalTo("done"))
            .body("note", containsString("no new values"));

        Awaitility.await().atMost(TIMEOUT).until(() -> given().get("/v1/predictions/" + image).statusCode() == 200
            && newId.equals(given().get("/v1/predictions/" + image).path("id")));
        given().get("/v1/predictions/" + image).then().statusCode(200)
            .body("className", equalTo("T-shirt/top"))
            .body("model.version", equalTo(2))
            .body("lineage.supersedes", equalTo(old.id()))
            .body("earlier.size()", equalTo(1))
            .body("earlier[0].id", equalTo(old.id()))
            .body("earlier[0].className", equalTo("Shirt"))
            .body("earlier[0].modelVersion", equalTo(1));
    }

    private static PredictionValue prediction(String image, long version, int label, String className, String id, Instant at) {
        List<PredictionValue.ClassProbability> probabilities = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            probabilities.add(new PredictionValue.ClassProbability(i, "class " + i, i == label ? 0.9f : 0.01f));
        }
        PredictionValue.Content content = new PredictionValue.Content(label, className, 0.9f, probabilities, false,
            new PredictionValue.Model("fashion", version, "serving_default"));
        return new PredictionValue(id, "tf-fashion", "tensor-of-" + image, image, "endpoint-" + version, content, at);
    }

    private void send(String topic, String key, ValueRecordsOf record) {
        companion.produce(Serdes.String(), Serdes.ByteArray())
            .fromRecords(new ProducerRecord<>(topic, null, key, record.payload(), record.headers())).awaitCompletion();
    }

    /** A value as its record's payload and headers. */
    private record ValueRecordsOf(byte[] payload, RecordHeaders headers) {
        static ValueRecordsOf value(AnnotatedValue value) {
            RecordHeaders headers = new RecordHeaders();
            return new ValueRecordsOf(ValueRecords.encode(value, headers), headers);
        }
    }
}
