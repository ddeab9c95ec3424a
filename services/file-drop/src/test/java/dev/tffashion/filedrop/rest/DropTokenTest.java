package dev.tffashion.filedrop.rest;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.serialization.Serdes;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import dev.tffashion.filedrop.TestImages;
import dev.tffashion.kafkalocal.testing.KafkaTestResource;
import dev.tffashion.pipeline.kafka.ValueRecords;
import dev.tffashion.pipeline.store.Hashing;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.kafka.InjectKafkaCompanion;
import io.restassured.http.ContentType;
import io.smallrye.reactive.messaging.kafka.companion.KafkaCompanion;

/** With {@code file-drop.token} set, every write needs {@code Authorization: Bearer <token>}; reads stay open; CORS as configured. */
@QuarkusTest
@TestProfile(DropTokenTest.WithToken.class)
@WithTestResource(KafkaTestResource.class)
class DropTokenTest {

    static final String TOKEN = "test-token-5f1c2a9e7b3d4c60";
    static final String SHOP = "http://shop.example";
    private static final String SCRIPTS = "tf-fashion.scriptInput.droppedFile";

    /** A token, and CORS opened to one origin. */
    public static class WithToken implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("file-drop.token", TOKEN, "quarkus.http.cors.enabled", "true", "quarkus.http.cors.origins", SHOP);
        }
    }

    @InjectKafkaCompanion
    KafkaCompanion companion;

    @Test
    void dropsWithoutTheRightTokenAre401InJsonAndNeverReachKafka() {
        byte[] missing = script("missing");
        byte[] wrong = script("wrong");
        byte[] basic = script("basic");
        byte[] multipart = script("multipart");

        given().body(missing).contentType("application/yaml").post("/scriptInput").then().statusCode(401)
                .contentType(ContentType.JSON).header("WWW-Authenticate", equalTo("Bearer realm=\"tf-fashion\""))
                .body("error", containsString("needs a bearer token")).body("hint", containsString("Authorization: Bearer"));
        given().header("Authorization", "Bearer not-the-token").body(wrong).post("/scriptInput").then().statusCode(401)
                .contentType(ContentType.JSON).header("WWW-Authenticate", containsString("error=\"invalid_token\""))
                .body("error", equalTo("the bearer token is wrong")).body("hint", notNullValue());
        given().auth().preemptive().basic("user", TOKEN).body(basic).post("/scriptInput").then().statusCode(401)
                .body("error", containsString("not 'Bearer <token>'"));
        given().multiPart("file", "recipe.yaml", multipart).post("/scriptInput").then().statusCode(401);
        given().header("Authorization", "Bearer " + TOKEN + "x").body(TestImages.garment("png", 20, 20)).post("/imageInput").then()
                .statusCode(401);

        String marker = given().header("Authorization", "Bearer " + TOKEN).body(script("marker")).post("/scriptInput").then()
                .statusCode(202).extract().path("id");
        Set<String> published = recordsUntil(SCRIPTS, marker).stream()
                .map(r -> ValueRecords.decode(r.headers(), r.value()).sha256()).collect(Collectors.toSet());
        for (byte[] refused : List.of(missing, wrong, basic, multipart)) {
            assertFalse(published.contains(Hashing.sha256Hex(refused)), "a refused drop reached Kafka: "
                    + new String(refused, StandardCharsets.UTF_8));
        }
    }

    @Test
    void theRightTokenIsAcceptedRawAndMultipart() {
        given().header("Authorization", "Bearer " + TOKEN).body(script("raw")).post("/scriptInput").then().statusCode(202)
                .body("id", notNullValue());
        given().header("Authorization", "bearer  " + TOKEN).multiPart("file", "shirt.png", TestImages.garment("png", 30, 30), "image/png")
                .post("/imageInput").then().statusCode(202).body("id", notNullValue());
    }

    @Test
    void readsStayOpen() {
        given().get("/").then().statusCode(200).contentType(containsString("text/html"));
        given().get("/v1/pipeline").then().statusCode(200);
        given().get("/v1/values?task=scriptInput").then().statusCode(200);
        given().get("/q/health/ready").then().statusCode(200);
    }

    @Test
    void aTooLargeBodyWithoutTokenIsRefusedFor401First() {
        given().body(new byte[2 * 1024 * 1024]).post("/scriptInput").then().statusCode(401).header("Connection", "close");
    }

    @Test
    void corsOpensToTheConfiguredOriginOnly() {
        given().header("Origin", SHOP).header("Access-Control-Request-Method", "POST")
                .header("Access-Control-Request-Headers", "authorization").options("/imageInput").then()
                .statusCode(200).header("Access-Control-Allow-Origin", SHOP)
                .header("Access-Control-Allow-Headers", containsString("authorization"));
        given().header("Origin", SHOP).header("Sec-Fetch-Site", "cross-site").header("Authorization", "Bearer " + TOKEN)
                .body(TestImages.garment("png", 24, 24)).post("/imageInput").then().statusCode(202)
                .header("Access-Control-Allow-Origin", SHOP);
        given().header("Origin", SHOP).body(script("cors-401")).post("/scriptInput").then().statusCode(401)
                .header("Access-Control-Allow-Origin", SHOP);

        given().header("Origin", "http://evil.example").header("Access-Control-Request-Method", "POST")
                .options("/imageInput").then().statusCode(403).header("Access-Control-Allow-Origin", nullValue());
        given().header("Origin", "http://evil.example").header("Sec-Fetch-Site", "cross-site").header("Authorization", "Bearer " + TOKEN)
                .body(TestImages.garment("png", 24, 24)).post("/imageInput").then().statusCode(403);
    }

    private static byte[] script(String what) {
        return ("# " + what + " " + UUID.randomUUID() + "\nmodel: mlp\nepochs: 1\n").getBytes(StandardCharsets.UTF_8);
    }

    private List<ConsumerRecord<String, byte[]>> recordsUntil(String topic, String key) {
        var task = companion.consume(Serdes.String(), Serdes.ByteArray()).fromTopics(topic);
        try {
            Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> task.getRecords().stream().anyMatch(r -> key.equals(r.key())));
            return List.copyOf(task.getRecords());
        } finally {
            task.stop();
        }
    }
}
