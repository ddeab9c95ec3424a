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
    void anOlderValueWhoseRecordWasLetGoIsReadBackFromKafka() throws Exception {
        int count = 12;
        List<AnnotatedValue> predictions = new ArrayList<>();
        try (KafkaProducer<String, byte[]> producer = producer()) {
            for (int n = 0; n < count; n++) {
                AnnotatedValue prediction = PredictionValue.of(graph.name(), "tensor-rb-" + n, "img-rb-" + n, "endpoint-1",
                    new PredictionValue.Content(n % 10, "class " + n, 0.9f, List.of(), false,
                        new PredictionValue.Model("fashion", 1, "serving_default"))).toValue(store);
                RecordHeaders headers = new RecordHeaders();
                byte[] bytes = ValueRecords.encode(prediction, headers);
                producer.send(new ProducerRecord<>(graph.topic("predict", "prediction"), null, prediction.id(), bytes, headers)).get();
                predictions.add(prediction);
            }
        }
        await().atMost(WAIT).until(() -> predictions.stream().allMatch(p -> index.contains(p.id())));
        long before = index.readBacks();

        for (int n = 0; n < count; n++) {
            given().get("/v1/predictions/img-rb-" + n).then().statusCode(200).body("id", equalTo(predictions.get(n).id()))
                .body("className", equalTo("class " + n));
            given().get("/v1/values/" + predictions.get(n).id()).then().statusCode(200)
                .body("sha256", equalTo(predictions.get(n).sha256()));
        }
        long readBack = index.readBacks() - before;
        org.junit.jupiter.api.Assertions.assertTrue(readBack >= 2 * (count - 4),
            "the test profile keeps only 4 records in memory (file-drop.index.kept-records), so at least " + (count - 4)
                + " of the " + count + " values are read back from Kafka on each of the two reads; read back: " + readBack);
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
