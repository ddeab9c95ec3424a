package dev.tffashion.filedrop.rest;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.Serdes;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import dev.tffashion.filedrop.TestImages;
import dev.tffashion.kafkalocal.testing.KafkaTestResource;
import dev.tffashion.pipeline.AnnotatedValue;
import dev.tffashion.pipeline.contracts.PredictionValue;
import dev.tffashion.pipeline.contracts.TensorValue;
import dev.tffashion.pipeline.kafka.ValueRecords;
import dev.tffashion.pipeline.store.ContentStore;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kafka.InjectKafkaCompanion;
import io.smallrye.reactive.messaging.kafka.companion.KafkaCompanion;
import jakarta.inject.Inject;

/** {@code GET /v1/predictions/{image}} answers what a person asked, and the preview is read through the lineage. */
@QuarkusTest
@WithTestResource(KafkaTestResource.class)
class PredictionsResourceTest {

    private static final String TENSORS = "tf-fashion.imageConvert.tensor";
    private static final String PREDICTIONS = "tf-fashion.predict.prediction";

    @InjectKafkaCompanion
    KafkaCompanion companion;

    @Inject
    ContentStore store;

    @Test
    void theAnswerIsTheClassScoreModelProbabilitiesAndLineageWithoutThePreview() {
        String imageId = given().body(TestImages.garment("png", 28, 28)).post("/imageInput").then().statusCode(202).extract().path("id");
        float[] pixels = new float[784];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (i % 29) / 28f;
        }
        TensorValue tensor = TensorValue.ofImage("tf-fashion", imageId, pixels, new int[] {28, 28}, "shirt.png", Map.of());
        byte[] preview = dev.tffashion.imaging.ModelInput.previewPng(pixels);
        List<PredictionValue.ClassProbability> probabilities = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            probabilities.add(new PredictionValue.ClassProbability(i, i == 6 ? "Shirt" : "class " + i, i == 6 ? 0.91f : 0.01f));
        }
        PredictionValue prediction = PredictionValue.of("tf-fashion", tensor.id(), imageId, "endpoint-1",
            new PredictionValue.Content(6, "Shirt", 0.91f, probabilities, false, new PredictionValue.Model("fashion", 3,
                "serving_default")));
        send(TENSORS, tensor.toValue(store));
        send(PREDICTIONS, prediction.toValue(store));

        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> given().get("/v1/predictions/" + imageId).statusCode() == 200);
        given().get("/v1/predictions/" + imageId).then().statusCode(200)
                .body("className", equalTo("Shirt"))
                .body("label", equalTo(6))
                .body("score", equalTo(0.91f))
                .body("model.name", equalTo("fashion"))
                .body("model.version", equalTo(3))
                .body("probabilities.Shirt", equalTo(0.91f))
                .body("probabilities.size()", equalTo(10))
                .body("lineage.image", equalTo(imageId))
                .body("lineage.tensor", equalTo(tensor.id()))
                .body("lineage.endpoint", equalTo("endpoint-1"))
                .body("id", equalTo(prediction.id()))
                .body("value", equalTo("/v1/values/" + prediction.id()))
                .body(not(containsString("data:")))
                .body(not(containsString("previewPng")));

        byte[] byTensor = given().get("/v1/values/" + tensor.id() + "/preview").then().statusCode(200).contentType("image/png")
                .extract().asByteArray();
        assertArrayEquals(preview, byTensor);
        byte[] byPrediction = given().get("/v1/values/" + prediction.id() + "/preview").then().statusCode(200).extract().asByteArray();
        assertArrayEquals(preview, byPrediction);
        given().get("/v1/values/" + imageId + "/preview").then().statusCode(404).body("hint", not(equalTo(null)));
    }

    private void send(String topic, AnnotatedValue value) {
        RecordHeaders headers = new RecordHeaders();
        byte[] payload = ValueRecords.encode(value, headers);
        companion.produce(Serdes.String(), Serdes.ByteArray())
                .fromRecords(new ProducerRecord<>(topic, null, value.id(), payload, headers)).awaitCompletion();
    }
}
