package dev.tffashion.filedrop.rest;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.serialization.Serdes;
import org.junit.jupiter.api.Test;

import dev.tffashion.filedrop.TestImages;
import dev.tffashion.kafkalocal.testing.KafkaTestResource;
import dev.tffashion.pipeline.AnnotatedValue;
import dev.tffashion.pipeline.kafka.ValueRecords;
import dev.tffashion.pipeline.store.ContentRef;
import dev.tffashion.pipeline.store.ContentStore;
import dev.tffashion.pipeline.store.ContentStoreException;
import dev.tffashion.pipeline.store.ContentStoreFullException;
import dev.tffashion.pipeline.store.Contents;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusMock;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kafka.InjectKafkaCompanion;
import io.restassured.http.ContentType;
import io.smallrye.reactive.messaging.kafka.companion.KafkaCompanion;

@QuarkusTest
@WithTestResource(KafkaTestResource.class)
class DropResourceTest {

    private static final String IMAGES = "tf-fashion.imageInput.droppedFile";
    private static final String SCRIPTS = "tf-fashion.scriptInput.droppedFile";

    @InjectKafkaCompanion
    KafkaCompanion companion;

    @Test
    void aRawPictureIsAcceptedPublishedAndServedBackByteForByte() {
        byte[] png = TestImages.garment("png", 64, 48);
        String id = given().body(png).post("/imageInput").then().statusCode(202).body("id", notNullValue())
                .extract().path("id");

        ConsumerRecord<String, byte[]> record = recordWithKey(IMAGES, id);
        AnnotatedValue value = ValueRecords.decode(record.headers(), record.value());
        assertEquals("imageInput", value.task());
        assertEquals("imageFile", value.type());
        assertEquals("image/png", value.mediaType());
        assertEquals(png.length, value.size());
        assertEquals("1.0", header(record, "ce_specversion"));
        assertEquals("/tf-fashion/imageInput/droppedFile", header(record, "ce_source"));

        byte[] content = given().get("/v1/values/" + id + "/content").then().statusCode(200).contentType("image/png")
                .extract().asByteArray();
        assertArrayEquals(png, content);
        given().get("/v1/values/" + id).then().statusCode(200).body("id", equalTo(id)).body("sha256", equalTo(value.sha256()));
    }

    @Test
    void aFullContentStoreRefusesThePictureWith507AndOneThatCannotBeWrittenWith503() {
        byte[] bmp = TestImages.garment("bmp", 200, 200);
        assertTrue(bmp.length > Contents.INLINE_LIMIT, "large enough to go to the content store");
        QuarkusMock.installMockForType(new RefusingStore(new ContentStoreFullException("the content store at /data is full (No space"
                + " left on device): free space on its file system, or give it a larger one", null)), ContentStore.class);
        given().body(bmp).post("/imageInput").then().statusCode(507)
                .body("error", equalTo("the picture could not be stored: the content store at /data is full (No space left on device):"
                        + " free space on its file system, or give it a larger one"))
                .body("hint", containsString("nothing was accepted"));
        QuarkusMock.installMockForType(new RefusingStore(new ContentStoreException("cannot write to the content store at /data:"
                + " Read-only file system")), ContentStore.class);
        given().body(bmp).post("/imageInput").then().statusCode(503)
                .body("error", containsString("Read-only file system")).body("hint", containsString("send the same request again"));
        given().body(TestImages.garment("png", 28, 28)).post("/imageInput").then().statusCode(202);
    }

    /** A content store whose every write fails as given; small content never reaches it (it travels inline). */
    private record RefusingStore(ContentStoreException failure) implements ContentStore {

        @Override
        public ContentRef put(InputStream content, String mediaType) {
            throw failure;
        }

        @Override
        public InputStream open(String sha256) {
            throw new ContentStoreException("content sha256:" + sha256 + " is not in this store");
        }

        @Override
        public boolean contains(String sha256) {
            return false;
        }

        @Override
        public String location() {
            return "/data";
        }
    }

    @Test
    void multipartKeepsTheFileNameWithoutItsFolders() {
        byte[] jpeg = TestImages.garment("jpeg", 100, 80);
        String id = given().multiPart("file", "../../etc/shirt.jpg", jpeg, "image/jpeg").post("/imageInput").then()
                .statusCode(202).extract().path("id");
        AnnotatedValue value = decode(recordWithKey(IMAGES, id));
        assertEquals("shirt.jpg", value.annotation("fileName"));
        assertEquals("image/jpeg", value.mediaType());
    }

    @Test
    void aMultipartDropIsOneFileWhateverItsPartIsCalled() {
        String image = given().multiPart("image", "coat.png", TestImages.garment("png", 30, 40), "image/png").post("/imageInput")
                .then().statusCode(202).extract().path("id");
        assertEquals("coat.png", decode(recordWithKey(IMAGES, image)).annotation("fileName"));
        String inline = given().contentType("multipart/form-data; boundary=" + BOUNDARY)
                .body(inlinePart("file", TestImages.garment("png", 30, 40))).post("/imageInput").then().statusCode(202)
                .extract().path("id");
        assertEquals("image/png", decode(recordWithKey(IMAGES, inline)).mediaType());

        byte[] first = TestImages.garment("png", 41, 37);
        byte[] second = TestImages.garment("png", 43, 39);
        given().multiPart("file", "a.png", first, "image/png").multiPart("file", "b.png", second, "image/png").post("/imageInput")
                .then().statusCode(400).contentType(ContentType.JSON).body("error", containsString("carries 2 files"))
                .body("error", containsString("b.png"))
                .body("hint", containsString("one request per file"));
        given().multiPart("file", "a.png", first, "image/png").multiPart("extra", "b.png", second, "image/png").post("/imageInput")
                .then().statusCode(400).body("error", containsString("carries 2 files"));
        given().multiPart("note", "hello").post("/imageInput").then().statusCode(400).body("error", containsString("carries no file"))
                .body("hint", containsString("curl -F file=@"));

        String marker = given().body(TestImages.garment("png", 20, 20)).post("/imageInput").then().statusCode(202).extract().path("id");
        Set<Long> sizes = recordsUntil(IMAGES, marker).stream()
                .map(r -> ValueRecords.decode(r.headers(), r.value()).size()).collect(Collectors.toSet());
        assertTrue(!sizes.contains((long) first.length) && !sizes.contains((long) second.length),
                "no file of a refused form with several files reached Kafka");
    }

    private static final String BOUNDARY = "tf-fashion-test-boundary";

    /** A multipart body of one part without a file name, as {@code curl -F name=<file} sends it. */
    private static byte[] inlinePart(String name, byte[] content) {
        java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();
        body.writeBytes(("--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"" + name + "\"\r\nContent-Type: image/png\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        body.writeBytes(content);
        body.writeBytes(("\r\n--" + BOUNDARY + "--\r\n").getBytes(StandardCharsets.US_ASCII));
        return body.toByteArray();
    }

    @Test
    void whatCurlDashDDoesToAFileIsNamedInTheAnswer() {
        String form = "application/x-www-form-urlencoded";
        String flattened = "# A quick trial: the MLP for one epoch.model: mlpepochs: 1batchSize: 100";
        given().contentType(form).body(flattened).post("/scriptInput").then().statusCode(400)
                .body("error", containsString("on one line")).body("hint", containsString("--data-binary"));
        given().contentType(form).body("model: mlpepochs: 1").post("/scriptInput").then().statusCode(400);
        given().contentType("application/octet-stream").body(flattened.getBytes(StandardCharsets.UTF_8))
                .post("/scriptInput").then().statusCode(202);
        given().contentType(form).body("model: mlp").post("/scriptInput").then().statusCode(202);
        given().contentType(form).body("{model: mlp, epochs: 1}").post("/scriptInput").then().statusCode(202);

        byte[] png = TestImages.garment("png", 40, 40);
        java.io.ByteArrayOutputStream stripped = new java.io.ByteArrayOutputStream();
        for (byte b : png) {
            if (b != '\r' && b != '\n') {
                stripped.write(b);
            }
        }
        java.net.http.HttpResponse<String> damaged = post("/imageInput", form, stripped.toByteArray());
        assertEquals(415, damaged.statusCode(), damaged.body());
        assertTrue(damaged.body().contains("curl -d @file removes") && damaged.body().contains("--data-binary"), damaged.body());
        java.net.http.HttpResponse<String> raw = post("/imageInput", "application/octet-stream", stripped.toByteArray());
        assertEquals(415, raw.statusCode(), raw.body());
        assertTrue(!raw.body().contains("curl -d"), raw.body());
        assertEquals(202, post("/imageInput", form, png).statusCode(), "a picture intact, form-encoded or not, is accepted");
    }

    /** RestAssured encodes a form's body itself; curl -d sends the file's bytes as they are (less its line breaks). */
    private static java.net.http.HttpResponse<String> post(String path, String contentType, byte[] body) {
        try {
            return java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                    java.net.URI.create("http://localhost:" + io.restassured.RestAssured.port + path)).header("Content-Type", contentType)
                    .POST(java.net.http.HttpRequest.BodyPublishers.ofByteArray(body)).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Test
    void anEncodedDropIsRefusedNotDecoded() {
        java.io.ByteArrayOutputStream gzipped = new java.io.ByteArrayOutputStream();
        try (java.util.zip.GZIPOutputStream gzip = new java.util.zip.GZIPOutputStream(gzipped)) {
            gzip.write(TestImages.garment("png", 40, 40));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        given().header("Content-Encoding", "gzip").body(gzipped.toByteArray()).post("/imageInput").then().statusCode(415)
                .contentType(ContentType.JSON).body("error", containsString("Content-Encoding: gzip"))
                .body("hint", containsString("without Content-Encoding"));
        given().header("Content-Encoding", "identity").body(TestImages.garment("png", 40, 40)).post("/imageInput").then()
                .statusCode(202);
    }

    @Test
    void aDropWithAnotherMethodIsToldToUsePost() {
        given().body(TestImages.garment("png", 20, 20)).put("/imageInput").then().statusCode(405).contentType(ContentType.JSON)
                .header("Allow", "POST").body("error", containsString("PUT is not allowed on /imageInput"))
                .body("error", containsString("dropped with POST")).body("hint", containsString("curl --data-binary @garment.png"));
        given().get("/scriptInput").then().statusCode(405).header("Allow", "POST").body("hint", containsString("recipe.yaml"));
        given().delete("/v1/pipeline").then().statusCode(405).body("error", containsString("DELETE is not allowed on /v1/pipeline"));
    }

    @Test
    void pathTraversalInFileNamesKeepsOnlyASafeBaseName() {
        Map<String, String> multipart = Map.of(
                "..\\..\\Windows\\System32\\evil.png", "evil.png",
                "/etc/passwd.png", "passwd.png",
                "C:\\Users\\x\\shirt.png", "shirt.png");
        for (var entry : multipart.entrySet()) {
            String id = given().multiPart("file", entry.getKey(), TestImages.garment("png", 20, 20), "image/png").post("/imageInput")
                    .then().statusCode(202).extract().path("id");
            given().get("/v1/values/" + id).then().statusCode(200).body("annotations.fileName", equalTo(entry.getValue()));
        }
        String raw = given().queryParam("name", "../../.ssh/authorized_keys\0.png").body(TestImages.garment("png", 20, 20))
                .post("/imageInput").then().statusCode(202).extract().path("id");
        given().get("/v1/values/" + raw).then().body("annotations.fileName", equalTo("authorized_keys.png"));
        String dots = given().multiPart("file", "..", TestImages.garment("png", 20, 20), "image/png").post("/imageInput").then()
                .statusCode(202).extract().path("id");
        given().get("/v1/values/" + dots).then().body("annotations.fileName", nullValue());
        given().get("/v1/values/" + dots + "/content").then().statusCode(200).header("Content-Disposition", nullValue());
    }

    @Test
    void anIdempotencyKeyMakesARetryReturnTheFirstId() {
        byte[] gif = TestImages.garment("gif", 30, 30);
        String first = given().header("Idempotency-Key", "retry-1").body(gif).post("/imageInput").then().statusCode(202)
                .extract().path("id");
        String second = given().header("Idempotency-Key", "retry-1").body(gif).post("/imageInput").then().statusCode(202)
                .body("replayed", equalTo(true)).extract().path("id");
        assertEquals(first, second);
        assertEquals(dev.tffashion.pipeline.ValueIds.forIdempotencyKey("tf-fashion", "imageInput", "retry-1"), first,
                "the id is derived from the key, so a retry on any replica gets it");
    }

    @Test
    void anIdempotencyKeyUsedAgainForOtherContentIsRefused() {
        given().header("Idempotency-Key", "reused-1").body(TestImages.garment("gif", 30, 30)).post("/imageInput").then()
                .statusCode(202);
        given().header("Idempotency-Key", "reused-1").body(TestImages.garment("png", 31, 31)).post("/imageInput").then()
                .statusCode(422).body("error", org.hamcrest.Matchers.containsString("different picture"));
    }

    @Test
    void badPicturesAreRefusedWithJsonErrorsAndNeverReachKafka() {
        byte[] png = TestImages.garment("png", 40, 40);
        byte[] jpeg = TestImages.garment("jpeg", 200, 200);
        Map<String, byte[]> bad = Map.of(
                "truncated-jpeg", Arrays.copyOf(jpeg, jpeg.length / 2),
                "text", "hello, I am not a picture".getBytes(StandardCharsets.UTF_8),
                "empty", new byte[0],
                "truncated", Arrays.copyOf(png, png.length / 2),
                "svg", TestImages.SVG.getBytes(StandardCharsets.UTF_8),
                "huge", TestImages.pngHeaderOnly(20000, 20000));
        Map<String, Integer> expected = Map.of("truncated-jpeg", 422, "text", 415, "empty", 400, "truncated", 422, "svg", 415, "huge", 413);
        for (var entry : bad.entrySet()) {
            given().body(entry.getValue()).post("/imageInput").then()
                    .statusCode(expected.get(entry.getKey()))
                    .contentType(ContentType.JSON)
                    .body("error", notNullValue()).body("hint", notNullValue());
        }
        given().body(TestImages.SVG).contentType("image/svg+xml").post("/imageInput").then().statusCode(415)
                .body("error", containsString("SVG"));

        String marker = given().body(png).post("/imageInput").then().statusCode(202).extract().path("id");
        Set<Long> sizes = recordsUntil(IMAGES, marker).stream()
                .map(r -> ValueRecords.decode(r.headers(), r.value()).size()).collect(Collectors.toSet());
        for (byte[] refused : bad.values()) {
            assertTrue(!sizes.contains((long) refused.length) || refused.length == png.length,
                    "a refused drop of " + refused.length + " bytes reached Kafka");
        }
    }

    @Test
    void scriptsMustBeUtf8TextWithinTheLimit() {
        String id = given().body("model: mlp\nepochs: 1\n").post("/scriptInput").then().statusCode(202).extract().path("id");
        AnnotatedValue value = decode(recordWithKey(SCRIPTS, id));
        assertEquals("application/yaml", value.mediaType());
        assertEquals("scriptFile", value.type());
        assertTrue(value.data().startsWith("data:application/yaml;base64,"));

        given().multiPart("file", "learn_script.py", "import tensorflow as tf\n".getBytes(StandardCharsets.UTF_8))
                .post("/scriptInput").then().statusCode(202);
        given().body(new byte[] { 0, (byte) 0xff, (byte) 0xfe, 1, 2 }).post("/scriptInput").then().statusCode(415)
                .body("error", containsString("UTF-8"));
        given().body(new byte[0]).post("/scriptInput").then().statusCode(400);
        given().body(new byte[2 * 1024 * 1024]).post("/scriptInput").then().statusCode(413).body("hint", containsString("limit"));
    }

    @Test
    void lineageAndPredictionsAnswerForDroppedValues() {
        String id = given().body(TestImages.garment("bmp", 28, 28)).post("/imageInput").then().statusCode(202).extract().path("id");
        given().get("/v1/values/" + id + "/lineage").then().statusCode(200).body("value.id", equalTo(id));
        given().get("/v1/predictions/" + id).then().statusCode(404).body("state", equalTo("converting"));
        given().get("/v1/values/does-not-exist").then().statusCode(404).body("hint", notNullValue());
        given().get("/v1/pipeline").then().statusCode(200).body("tasks.size()", equalTo(6)).body("links.size()", equalTo(5));
    }

    @Test
    void healthAndMetricsAreServed() {
        given().get("/q/health/ready").then().statusCode(200);
        given().body(new byte[0]).post("/imageInput").then().statusCode(400);
        given().get("/q/metrics").then().statusCode(200).body(containsString("tffashion_drops_refused_total"));
    }

    private ConsumerRecord<String, byte[]> recordWithKey(String topic, String key) {
        return recordsUntil(topic, key).stream().filter(r -> key.equals(r.key())).findFirst().orElseThrow();
    }

    private List<ConsumerRecord<String, byte[]>> recordsUntil(String topic, String key) {
        var task = companion.consume(Serdes.String(), Serdes.ByteArray()).fromTopics(topic);
        try {
            task.awaitRecords(1, Duration.ofSeconds(30));
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30))
                    .until(() -> task.getRecords().stream().anyMatch(r -> key.equals(r.key())));
            return List.copyOf(task.getRecords());
        } finally {
            task.stop();
        }
    }

    private static AnnotatedValue decode(ConsumerRecord<String, byte[]> record) {
        return ValueRecords.decode(record.headers(), record.value());
    }

    private static String header(ConsumerRecord<?, ?> record, String name) {
        return new String(record.headers().lastHeader(name).value(), StandardCharsets.UTF_8);
    }
}
