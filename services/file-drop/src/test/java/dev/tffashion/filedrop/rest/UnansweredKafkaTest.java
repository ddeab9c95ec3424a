package dev.tffashion.filedrop.rest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.Test;

import dev.tffashion.filedrop.TestImages;
import dev.tffashion.kafkalocal.testing.KafkaTestResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/**
 * Drops waiting for Kafka hold no thread. The picture channel's producer talks to a "broker" that takes connections and never
 * answers (as a frozen one does); with 4 worker threads, 12 pictures wait for their acknowledgement at once, and meanwhile a
 * script is taken (its channel reaches the real broker) and the health checks answer. Each picture is then answered
 * 503 {@code kafka-unavailable} after file-drop.publish-timeout (here 5 s), nothing accepted. When each drop's thread waited
 * for Kafka, a broker frozen for 45 s held a worker thread per drop under way (about 150 at 5 drops/s), and at 200 every drop
 * and health check waited.
 */
@QuarkusTest
@TestProfile(UnansweredKafkaTest.PicturesToSilence.class)
@WithTestResource(KafkaTestResource.class)
class UnansweredKafkaTest {

    /** A listening socket that accepts connections and never reads from or writes to them. */
    static final class Silence {
        static final ServerSocket SERVER;
        static final List<Socket> HELD = new ArrayList<>();

        static {
            try {
                SERVER = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            Thread acceptor = new Thread(() -> {
                while (!SERVER.isClosed()) {
                    try {
                        Socket held = SERVER.accept();
                        synchronized (HELD) {
                            HELD.add(held);
                        }
                    } catch (IOException closed) {
                        return;
                    }
                }
            }, "silent-broker");
            acceptor.setDaemon(true);
            acceptor.start();
        }

        private Silence() {
        }
    }

    public static class PicturesToSilence implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("quarkus.thread-pool.max-threads", "4", "file-drop.publish-timeout", "5s",
                    "mp.messaging.outgoing.image-drops.bootstrap.servers", "127.0.0.1:" + Silence.SERVER.getLocalPort());
        }
    }

    private static final int PICTURES = 12;

    @TestHTTPResource("/")
    URI base;

    @Test
    void dropsWaitingForKafkaHoldNoThread() throws Exception {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        List<CompletableFuture<HttpResponse<String>>> pictures = new ArrayList<>();
        for (int i = 0; i < PICTURES; i++) {
            pictures.add(http.sendAsync(HttpRequest.newBuilder(base.resolve("/imageInput")).timeout(Duration.ofSeconds(60))
                    .POST(HttpRequest.BodyPublishers.ofByteArray(TestImages.garment("png", 28, 28))).build(),
                    HttpResponse.BodyHandlers.ofString()));
        }
        Thread.sleep(1000);
        assertTrue(pictures.stream().noneMatch(CompletableFuture::isDone), "the pictures wait for the silent broker");
        Duration within = Duration.ofSeconds(3);
        var script = http.send(HttpRequest.newBuilder(base.resolve("/scriptInput?name=quick.yaml")).timeout(within)
                .POST(HttpRequest.BodyPublishers.ofString("model: mlp\nepochs: 1\n")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(202, script.statusCode(), "a script while " + PICTURES + " pictures wait for Kafka: " + script.body());
        var live = http.send(HttpRequest.newBuilder(base.resolve("/q/health/live")).timeout(within).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, live.statusCode(), live.body());
        for (var picture : pictures) {
            HttpResponse<String> answer = picture.get();
            assertEquals(503, answer.statusCode(), answer.body());
            assertTrue(answer.body().contains("did not acknowledge") && answer.body().contains("within 5000 ms"), answer.body());
            assertTrue(answer.body().contains("Idempotency-Key"), "the hint says how to retry safely: " + answer.body());
        }
    }
}
