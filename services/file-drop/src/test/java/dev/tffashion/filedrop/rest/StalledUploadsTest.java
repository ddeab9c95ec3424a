package dev.tffashion.filedrop.rest;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
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
 * Writes whose bodies stall hold no thread: with 4 worker threads and 16 raw bodies stopped near their start (pictures,
 * scripts, replay requests, trace exports; the upload timeout at its default, a minute), a picture, a script and a replay
 * request are still taken, and readiness answers. When a resource read its body itself, each stalled body held a worker thread
 * (for bodies over RESTEasy's 10 KiB buffer), and 250 of them (one byte every 10 s) stopped every drop and health check of a
 * running file-drop.
 */
@QuarkusTest
@TestProfile(StalledUploadsTest.FourThreads.class)
@WithTestResource(KafkaTestResource.class)
class StalledUploadsTest {

    public static class FourThreads implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("quarkus.thread-pool.max-threads", "4");
        }
    }

    private static final int STALLED = 16;

    /** Where the stalled bodies go, in turn, and their content types. */
    private static final String[][] WRITES = {{"/imageInput", "application/octet-stream"},
        {"/scriptInput", "application/octet-stream"}, {"/v1/replay", "application/json"}, {"/v1/traces", "application/x-protobuf"}};

    @TestHTTPResource("/")
    URI base;

    @Test
    void dropsAreTakenWhileUploadsStall() throws Exception {
        List<Socket> stalled = new ArrayList<>();
        try {
            for (int i = 0; i < STALLED; i++) {
                Socket socket = new Socket(base.getHost(), base.getPort());
                stalled.add(socket);
                OutputStream out = socket.getOutputStream();
                String[] write = WRITES[i % WRITES.length];
                out.write(("POST " + write[0] + " HTTP/1.1\r\nHost: localhost\r\nContent-Type: " + write[1] + "\r\n"
                        + "Content-Length: 50000\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                out.write(new byte[100]);
                out.flush();
            }
            Thread.sleep(500);
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            Duration answerWithin = Duration.ofSeconds(15);
            var picture = http.send(HttpRequest.newBuilder(base.resolve("/imageInput")).timeout(answerWithin)
                    .POST(HttpRequest.BodyPublishers.ofByteArray(TestImages.garment("png", 28, 28))).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(202, picture.statusCode(), picture.body());
            var script = http.send(HttpRequest.newBuilder(base.resolve("/scriptInput?name=quick.yaml")).timeout(answerWithin)
                    .POST(HttpRequest.BodyPublishers.ofString("model: mlp\nepochs: 1\n")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(202, script.statusCode(), script.body());
            var replay = http.send(HttpRequest.newBuilder(base.resolve("/v1/replay")).timeout(answerWithin)
                    .POST(HttpRequest.BodyPublishers.ofString("{\"fromVersion\": 7, \"toVersion\": 8}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(202, replay.statusCode(), replay.body());
            var ready = http.send(HttpRequest.newBuilder(base.resolve("/q/health/ready")).timeout(answerWithin).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, ready.statusCode(), ready.body());
        } finally {
            for (Socket socket : stalled) {
                socket.close();
            }
        }
    }
}
