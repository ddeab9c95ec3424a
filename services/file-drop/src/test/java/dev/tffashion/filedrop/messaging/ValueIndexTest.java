package dev.tffashion.filedrop.messaging;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import jakarta.inject.Inject;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

import dev.tffashion.kafkalocal.testing.KafkaTestResource;
import dev.tffashion.pipeline.AnnotatedValue;
import dev.tffashion.pipeline.contracts.PredictionValue;
import dev.tffashion.pipeline.graph.PipelineGraph;
import dev.tffashion.pipeline.kafka.ValueRecords;
import dev.tffashion.pipeline.store.ContentStore;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * The index reads the pipeline's topics through its follower: a prediction is found from its image through the prediction's own
 * lineage, a dead letter explains a refused image, and a record that is not a value is skipped without stopping the index.
 */
@QuarkusTest
@WithTestResource(KafkaTestResource.class)
class ValueIndexTest {

    private static final Duration WAIT = Duration.ofSeconds(60);

    @Inject
    PipelineGraph graph;

    @Inject
    ValueIndex index;

    @Inject
    ContentStore store;

    @Test
    void findsAPredictionFromItsImageEvenAfterARecordThatIsNotAValue() throws Exception {
        AnnotatedValue prediction;
        try (KafkaProducer<String, byte[]> producer = producer()) {
            producer.send(new ProducerRecord<>(graph.topic("imageConvert", "tensor"), "junk", "not a value".getBytes(
                StandardCharsets.UTF_8))).get();
            List<PredictionValue.ClassProbability> probabilities = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                probabilities.add(new PredictionValue.ClassProbability(i, "class " + i, i == 3 ? 0.91f : 0.01f));
            }
            prediction = PredictionValue.of(graph.name(), "tensor-77", "img-77", "endpoint-1",
                new PredictionValue.Content(3, "class 3", 0.91f, probabilities, false,
                    new PredictionValue.Model("fashion", 1, "serving_default"))).toValue(store);
            RecordHeaders headers = new RecordHeaders();
            byte[] bytes = ValueRecords.encode(prediction, headers);
            producer.send(new ProducerRecord<>(graph.topic("predict", "prediction"), null, prediction.id(), bytes, headers)).get();
        }

        await().atMost(WAIT).until(() -> index.predictionOfImage("img-77").isPresent());
        given().get("/v1/predictions/img-77").then().statusCode(200).body("id", equalTo(prediction.id()));
        given().get("/q/health/ready").then().statusCode(200);
        // What a page opened later reads: the index has caught up, and the link counts are the index's, not the page's.
        given().get("/v1/pipeline").then().statusCode(200).body("caughtUp", equalTo(true))
            .body("counts.predict.prediction", equalTo(Math.toIntExact(index.counts().get("predict").get("prediction"))))
            .body("counts.predict.prediction", greaterThanOrEqualTo(1));
    }

    @Test
    void answersEveryIdAcrossManyValuesFromTheStoresAndCountsACopyOnce() throws Exception {
        int count = 3000;
        long before = index.counts().getOrDefault("predict", Map.of()).getOrDefault("prediction", 0L);
        List<AnnotatedValue> predictions = new ArrayList<>();
        try (KafkaProducer<String, byte[]> producer = producer()) {
            for (int n = 0; n < count; n++) {
                AnnotatedValue prediction = PredictionValue.of(graph.name(), "tensor-many-" + n, "img-many-" + n, "endpoint-1",
                    new PredictionValue.Content(n % 10, "class " + n, 0.9f, List.of(), false,
                        new PredictionValue.Model("fashion", 1, "serving_default"))).toValue(store);
                RecordHeaders headers = new RecordHeaders();
                byte[] bytes = ValueRecords.encode(prediction, headers);
                producer.send(new ProducerRecord<>(graph.topic("predict", "prediction"), null, prediction.id(), bytes, headers));
                if (n == 0) {
                    // A retry's copy of the first value (same id): readers drop it, the count does not grow.
                    producer.send(new ProducerRecord<>(graph.topic("predict", "prediction"), null, prediction.id(), bytes, headers));
                }
                predictions.add(prediction);
            }
            producer.flush();
        }
        await().atMost(WAIT).until(() -> index.predictionOfImage("img-many-" + (count - 1)).isPresent());

        for (int n = 0; n < count; n++) {
            var found = index.predictionOfImage("img-many-" + n);
            org.junit.jupiter.api.Assertions.assertEquals(predictions.get(n).id(), found.map(AnnotatedValue::id).orElse(null),
                "prediction of img-many-" + n);
        }
        for (int n : new int[] {0, 1, count / 2, count - 1}) {
            given().get("/v1/predictions/img-many-" + n).then().statusCode(200).body("id", equalTo(predictions.get(n).id()))
                .body("className", equalTo("class " + n));
            given().get("/v1/values/" + predictions.get(n).id()).then().statusCode(200)
                .body("sha256", equalTo(predictions.get(n).sha256()));
        }
        org.junit.jupiter.api.Assertions.assertEquals(before + count,
            index.counts().get("predict").get("prediction").longValue(), "distinct predictions counted, the copy once");
        // Newest first: values of one millisecond on different partitions have no order between them, so the five newest are
        // among the last hundred produced, never the first ones.
        List<String> lastHundred = predictions.subList(count - 100, count).stream().map(AnnotatedValue::id).toList();
        given().get("/v1/values?task=predict&limit=5").then().statusCode(200).body("size()", equalTo(5))
            .body("id", org.hamcrest.Matchers.everyItem(org.hamcrest.Matchers.in(lastHundred)));
    }

    @Test
    void aDeadLetterSaysWhyAnImageHasNoPrediction() throws Exception {
        try (KafkaProducer<String, byte[]> producer = producer()) {
            ProducerRecord<String, byte[]> letter = new ProducerRecord<>(graph.deadLetterTopic("imageConvert"), "img-dead",
                "{}".getBytes(StandardCharsets.UTF_8));
            letter.headers().add("dead-letter-reason", "not a picture".getBytes(StandardCharsets.UTF_8));
            producer.send(letter).get();
        }

        await().atMost(WAIT).until(() -> index.deadLetter("img-dead").isPresent());
        given().get("/v1/predictions/img-dead").then().statusCode(404).body("state", equalTo("failed"))
            .body("detail", containsString("imageConvert: not a picture"));
    }

    private static KafkaProducer<String, byte[]> producer() {
        return new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaTestResource.bootstrapServers(),
            ProducerConfig.ACKS_CONFIG, "all"), new StringSerializer(), new ByteArraySerializer());
    }
}
