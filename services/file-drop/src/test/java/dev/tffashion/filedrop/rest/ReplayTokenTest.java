package dev.tffashion.filedrop.rest;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;

import org.junit.jupiter.api.Test;

import dev.tffashion.kafkalocal.testing.KafkaTestResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/** With {@code file-drop.token} set, {@code POST /v1/replay} needs the bearer token like every write; the reports stay open. */
@QuarkusTest
@TestProfile(DropTokenTest.WithToken.class)
@WithTestResource(KafkaTestResource.class)
class ReplayTokenTest {

    @Test
    void aReplayNeedsTheWriteToken() {
        given().body("{\"fromVersion\": 1, \"toVersion\": 2}").post("/v1/replay").then().statusCode(401)
            .body("error", containsString("bearer token"));
        given().header("Authorization", "Bearer " + DropTokenTest.TOKEN).body("{\"fromVersion\": 1, \"toVersion\": 2}")
            .post("/v1/replay").then().statusCode(202);
        given().get("/v1/replay").then().statusCode(200);
    }
}
