package dev.tffashion.filedrop.rest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import dev.tffashion.filedrop.TestImages;
import dev.tffashion.kafkalocal.testing.KafkaTestResource;
import dev.tffashion.pipeline.Json;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * 100 MB uploads, generated as they are sent (never held in memory), raw and multipart, with a Content-Length (with and without
 * {@code Expect: 100-continue}) and chunked, to both drops: each gets 413 with a JSON error and hint, and the next good drop
 * is accepted. Prints the time each answer took.
 */
@QuarkusTest
@WithTestResource(KafkaTestResource.class)
class UploadLimitsTest {

    private static final long HUNDRED_MB = 100L * 1024 * 1024;

    @TestHTTPResource("/")
    URI base;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Test
    void hundredMegabyteUploadsAre413InJsonAndTheNextDropIsAccepted() throws Exception {
        List<String> timings = new ArrayList<>();
        for (String task : List.of("imageInput", "scriptInput")) {
            for (String kind : List.of("raw, Content-Length", "raw, Expect: 100-continue", "raw, chunked", "multipart, Content-Length",
                    "multipart, Expect: 100-continue", "multipart, chunked")) {
                long started = System.nanoTime();
                HttpResponse<String> response = http.send(hundredMegabytes(task, kind), HttpResponse.BodyHandlers.ofString());
                long millis = (System.nanoTime() - started) / 1_000_000;
                timings.add(String.format("%-12s %-32s %d in %5d ms", task, kind, response.statusCode(), millis));
                assertEquals(413, response.statusCode(), task + " " + kind + ": " + response.body());
                JsonNode body = Json.mapper().readTree(response.body());
                assertFalse(body.path("error").asText().isBlank(), task + " " + kind + ": " + response.body());
                String property = "imageInput".equals(task) ? "file-drop.max-image-bytes" : "file-drop.max-script-bytes";
                assertTrue(body.path("hint").asText().contains("smaller file") && body.path("hint").asText().contains(property),
                        task + " " + kind + ": the hint names " + property + ": " + response.body());
            }
        }
        timings.forEach(line -> System.out.println("time to 413: " + line));

        HttpResponse<String> good = http.send(pictureWithoutContentType(), HttpResponse.BodyHandlers.ofString());
        assertEquals(202, good.statusCode(), "the next good drop after the 100 MB uploads: " + good.body());
    }

    @Test
    void aRawDropWithoutContentTypeIsTakenAsBytes() throws Exception {
        HttpResponse<String> response = http.send(pictureWithoutContentType(), HttpResponse.BodyHandlers.ofString());
        assertEquals(202, response.statusCode(), response.body());
    }

    private HttpRequest pictureWithoutContentType() {
        return HttpRequest.newBuilder(base.resolve("/imageInput")).POST(HttpRequest.BodyPublishers.ofByteArray(TestImages.garment("png",
                28, 28))).build();
    }

    private HttpRequest hundredMegabytes(String task, String kind) {
        String boundary = "limits-" + System.nanoTime();
        boolean multipart = kind.startsWith("multipart");
        byte[] head = multipart ? ("--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"huge.bin\"\r\n"
                + "Content-Type: application/octet-stream\r\n\r\n").getBytes(StandardCharsets.US_ASCII) : new byte[0];
        byte[] tail = multipart ? ("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.US_ASCII) : new byte[0];
        Supplier<InputStream> stream = () -> new SequenceInputStream(new ByteArrayInputStream(head),
                new SequenceInputStream(new Zeros(HUNDRED_MB), new ByteArrayInputStream(tail)));
        HttpRequest.BodyPublisher body = kind.endsWith("chunked") ? HttpRequest.BodyPublishers.ofInputStream(stream)
                : HttpRequest.BodyPublishers.fromPublisher(HttpRequest.BodyPublishers.ofInputStream(stream),
                        head.length + HUNDRED_MB + tail.length);
        return HttpRequest.newBuilder(base.resolve("/" + task)).timeout(Duration.ofSeconds(60))
                .header("Content-Type", multipart ? "multipart/form-data; boundary=" + boundary : "application/octet-stream")
                .expectContinue(kind.contains("Expect")).POST(body).build();
    }

    /** {@code n} zero bytes, made as they are read. */
    private static final class Zeros extends InputStream {
        private long left;

        Zeros(long n) {
            left = n;
        }

        @Override
        public int read() {
            if (left <= 0) {
                return -1;
            }
            left--;
            return 0;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) {
            if (left <= 0) {
                return -1;
            }
            int n = (int) Math.min(length, left);
            java.util.Arrays.fill(buffer, offset, offset + n, (byte) 0);
            left -= n;
            return n;
        }
    }
}
