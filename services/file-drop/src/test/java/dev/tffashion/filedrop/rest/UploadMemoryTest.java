package dev.tffashion.filedrop.rest;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.tffashion.filedrop.TestImages;
import dev.tffashion.kafkalocal.testing.KafkaTestResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/**
 * With 1 MiB for drop bodies in memory ({@code file-drop.upload-memory-mib}): while one upload of 800 kB holds its room, a second
 * is answered 503 busy at once with Retry-After, nothing accepted; a small picture still fits beside it, with or without
 * Content-Length, and a large one without Content-Length is refused busy once it has no more room; once the first upload's
 * connection is gone its room is given back and the same upload is taken again.
 */
@QuarkusTest
@TestProfile(UploadMemoryTest.OneMebibyte.class)
@WithTestResource(KafkaTestResource.class)
class UploadMemoryTest {

    public static class OneMebibyte implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("file-drop.upload-memory-mib", "1");
        }
    }

    private static final int LARGE = 800_000;

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @TestHTTPResource("/")
    URI base;

    private HttpResponse<String> chunked(byte[] body) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(base.resolve("/imageInput")).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "image/png")
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body))).build();
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void aDropThatFindsNoRoomIsBusyAndTheRoomComesBackWhenTheHolderIsGone() throws Exception {
        try (Socket holder = new Socket(base.getHost(), base.getPort())) {
            OutputStream out = holder.getOutputStream();
            out.write(("POST /imageInput HTTP/1.1\r\nHost: localhost\r\nContent-Type: image/png\r\nContent-Length: " + LARGE
                    + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(new byte[1000]);
            out.flush();
            // the guard has reserved the holder's 800 kB once it read the headers; wait until a second large drop is refused
            assertEquals(503, ZeroDrops.dropUntil(LARGE, status -> status == 503), "a second 800 kB drop while the first holds its room");
            given().contentType("application/octet-stream").body(new byte[LARGE]).post("/imageInput").then().statusCode(503)
                    .header("Retry-After", equalTo("1")).body("error", containsString("file-drop.upload-memory-mib"))
                    .body("hint", containsString("nothing was accepted"));
            given().body(TestImages.garment("png", 20, 20)).post("/imageInput").then().statusCode(202);
            // a picture without Content-Length (chunked) holds room only for what has arrived: a small one fits beside the holder,
            // a large one is refused busy once it finds no more (counted at its limit from the start, the small one was refused too)
            HttpResponse<String> small = chunked(TestImages.garment("png", 20, 20));
            assertEquals(202, small.statusCode(), "a small chunked picture beside the holder: " + small.body());
            HttpResponse<String> large = chunked(new byte[LARGE]);
            assertEquals(503, large.statusCode(), "a large chunked drop beside the holder: " + large.body());
            assertTrue(large.body().contains("no Content-Length; ") && large.body().contains("bytes so far"), large.body());
            InputStream in = holder.getInputStream();
            holder.shutdownOutput();
            in.readAllBytes();
        }
        // the holder's connection is gone: its room is given back, and the same large body gets to the picture check
        assertEquals(415, ZeroDrops.dropUntil(LARGE, status -> status != 503),
                "800 kB of zeros once the room is back: refused as not a picture, not as busy");
    }
}
