package dev.tffashion.filedrop.rest;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;

import org.junit.jupiter.api.Test;

import dev.tffashion.filedrop.TestImages;
import dev.tffashion.kafkalocal.testing.KafkaTestResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;

/** The defaults: no token (drops open), CORS closed, cross-site writes from browsers refused, safe response headers. */
@QuarkusTest
@WithTestResource(KafkaTestResource.class)
class DropGuardTest {

    private static final String EVIL = "http://evil.example";

    @Test
    void withoutATokenDropsNeedNoAuthorization() {
        given().body("model: mlp\nepochs: 1\n").post("/scriptInput").then().statusCode(202).body("id", notNullValue());
        given().header("Authorization", "Bearer anything").body(TestImages.garment("png", 20, 20)).post("/imageInput").then()
                .statusCode(202);
    }

    @Test
    void corsIsClosedByDefault() {
        given().header("Origin", EVIL).get("/v1/pipeline").then().statusCode(200)
                .header("Access-Control-Allow-Origin", nullValue()).header("Access-Control-Allow-Credentials", nullValue());
        given().header("Origin", EVIL).header("Access-Control-Request-Method", "POST")
                .header("Access-Control-Request-Headers", "authorization,content-type").options("/imageInput").then()
                .header("Access-Control-Allow-Origin", nullValue()).header("Access-Control-Allow-Methods", nullValue())
                .header("Access-Control-Allow-Headers", nullValue());
    }

    @Test
    void browsersMayNotDropFromAnotherSite() {
        for (String site : new String[] {"cross-site", "same-site"}) {
            given().header("Origin", EVIL).header("Sec-Fetch-Site", site).multiPart("file", "shirt.png", TestImages.garment("png", 20, 20),
                    "image/png").post("/imageInput").then().statusCode(403).contentType(ContentType.JSON)
                    .body("error", containsString(EVIL)).body("hint", containsString("quarkus.http.cors"));
        }
        given().header("Sec-Fetch-Site", "same-origin").body(TestImages.garment("png", 20, 20)).post("/imageInput").then().statusCode(202);
        given().header("Sec-Fetch-Site", "none").body(TestImages.garment("png", 20, 20)).post("/imageInput").then().statusCode(202);
    }

    @Test
    void responsesForbidSniffingAndFraming() {
        given().get("/").then().statusCode(200).header("X-Content-Type-Options", equalTo("nosniff"))
                .header("Content-Security-Policy", containsString("frame-ancestors 'none'"));
        given().get("/v1/pipeline").then().header("X-Content-Type-Options", equalTo("nosniff"));
    }
}
