package dev.tffashion.filedrop.messaging;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import jakarta.inject.Inject;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

import dev.tffashion.kafkalocal.testing.KafkaTestResource;
import dev.tffashion.pipeline.AnnotatedValue;
import dev.tffashion.pipeline.Json;
import dev.tffashion.pipeline.graph.PipelineGraph;
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

    @Test
    void findsAPredictionFromItsImageEvenAfterARecordThatIsNotAValue() throws Exception {
        try (KafkaProducer<String, byte[]> producer = producer()) {
            producer.send(new ProducerRecord<>(graph.topic("imageConvert", "tensor"), "junk", "not a value".getBytes(
                StandardCharsets.UTF_8))).get();
            AnnotatedValue prediction = AnnotatedValue.builder().id("prediction-of-img-77").pipeline(graph.name()).task("predict")
                .output("prediction").type("prediction").data("data:application/json;base64,e30=").mediaType("application/json")
                .size(2).sha256("44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a").createdAt(Instant.now())
                .sourceInput("tensor", "tensor-77").sourceInput("image", "img-77").build();
            producer.send(new ProducerRecord<>(graph.topic("predict", "prediction"), prediction.id(), Json.toBytes(prediction))).get();
        }

        await().atMost(WAIT).until(() -> index.predictionOfImage("img-77").isPresent());
        given().get("/v1/predictions/img-77").then().statusCode(200).body("id", equalTo("prediction-of-img-77"));
        given().get("/q/health/ready").then().statusCode(200);
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
