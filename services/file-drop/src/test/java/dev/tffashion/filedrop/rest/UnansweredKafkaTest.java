package dev.tffashion.filedrop.rest;

import static io.restassured.RestAssured.given;
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
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.Serdes;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import dev.tffashion.filedrop.TestImages;
import dev.tffashion.filedrop.status.TaskStatusBoard;
import dev.tffashion.kafkalocal.testing.KafkaTestResource;
import dev.tffashion.pipeline.Json;
import dev.tffashion.pipeline.status.StatusEvent;
import dev.tffashion.pipeline.status.TaskState;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.kafka.InjectKafkaCompanion;
import io.smallrye.reactive.messaging.kafka.companion.KafkaCompanion;
import jakarta.inject.Inject;

/**
 * Writes waiting for Kafka hold no thread. The channels of pictures, replay requests and rollout commands talk to a "broker"
 * that takes connections and never answers (as a frozen one does); with 4 worker threads, 12 pictures, 4 replay requests and 4
 * rollbacks wait for their acknowledgement at once, and meanwhile a script is taken (its channel reaches the real broker) and
 * the health checks answer. Each waiting write is then answered 503 after file-drop.publish-timeout (here 5 s), nothing
 * accepted. When each write's thread waited for Kafka, a broker frozen for 45 s held a worker thread per drop under way (about
 * 150 at 5 drops/s), and at 200 every drop and health check waited; the replay requests and rollouts did so until this test
 * covered them.
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
            String silence = "127.0.0.1:" + Silence.SERVER.getLocalPort();
            return Map.of("quarkus.thread-pool.max-threads", "4", "file-drop.publish-timeout", "5s",
                    "mp.messaging.outgoing.image-drops.bootstrap.servers", silence,
                    "mp.messaging.outgoing.replay-requests.bootstrap.servers", silence,
                    "mp.messaging.outgoing.rollout-commands.bootstrap.servers", silence);
        }
    }

    private static final int PICTURES = 12;
    private static final int COMMANDS = 4;

    @InjectKafkaCompanion
    KafkaCompanion companion;

    @Inject
    TaskStatusBoard board;

    @TestHTTPResource("/")
    URI base;

    @Test
    void writesWaitingForKafkaHoldNoThread() throws Exception {
        servedModel();
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        List<CompletableFuture<HttpResponse<String>>> pictures = new ArrayList<>();
        for (int i = 0; i < PICTURES; i++) {
            pictures.add(post(http, "/imageInput", TestImages.garment("png", 28, 28)));
        }
        List<CompletableFuture<HttpResponse<String>>> replays = new ArrayList<>();
        List<CompletableFuture<HttpResponse<String>>> rollbacks = new ArrayList<>();
        for (int i = 0; i < COMMANDS; i++) {
            String replay = "{\"fromVersion\": " + (i + 1) + ", \"toVersion\": 9}";
            replays.add(post(http, "/v1/replay", replay.getBytes(StandardCharsets.UTF_8)));
            rollbacks.add(post(http, "/v1/rollout/fashion/rollback", new byte[0]));
        }
        Thread.sleep(1000);
        assertTrue(pictures.stream().noneMatch(CompletableFuture::isDone), "the pictures wait for the silent broker");
        assertTrue(replays.stream().noneMatch(CompletableFuture::isDone), "the replay requests wait for the silent broker");
        assertTrue(rollbacks.stream().noneMatch(CompletableFuture::isDone), "the rollbacks wait for the silent broker");
        Duration within = Duration.ofSeconds(3);
        var script = http.send(HttpRequest.newBuilder(base.resolve("/scriptInput?name=quick.yaml")).timeout(within)
                .POST(HttpRequest.BodyPublishers.ofString("model: mlp\nepochs: 1\n")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(202, script.statusCode(), "a script while " + (PICTURES + 2 * COMMANDS) + " writes wait for Kafka: " + script.body());
        var live = http.send(HttpRequest.newBuilder(base.resolve("/q/health/live")).timeout(within).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, live.statusCode(), live.body());
        for (var picture : pictures) {
            HttpResponse<String> answer = picture.get();
            assertEquals(503, answer.statusCode(), answer.body());
            assertTrue(answer.body().contains("did not acknowledge") && answer.body().contains("within 5000 ms"), answer.body());
            assertTrue(answer.body().contains("Idempotency-Key"), "the hint says how to retry safely: " + answer.body());
        }
        for (var replay : replays) {
            HttpResponse<String> answer = replay.get();
            assertEquals(503, answer.statusCode(), answer.body());
            assertTrue(answer.body().contains("Kafka did not acknowledge the replay request") && answer.body().contains("within 5000 ms")
                    && answer.body().contains("posting the same body again is safe"), answer.body());
        }
        for (var rollback : rollbacks) {
            HttpResponse<String> answer = rollback.get();
            assertEquals(503, answer.statusCode(), answer.body());
            assertTrue(answer.body().contains("Kafka did not acknowledge the rollback command (to version 2)")
                    && answer.body().contains("within 5000 ms") && answer.body().contains("lastDecision"), answer.body());
        }
    }

    private CompletableFuture<HttpResponse<String>> post(HttpClient http, String path, byte[] body) {
        return http.sendAsync(HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(60))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /**
     * The serve task reports a served model, version 3 live and 1 to 3 installed (on the real broker's status topic), so that a
     * rollback is sent, not refused 404, and for version 2.
     */
    private void servedModel() {
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(board::caughtUp);
        byte[] event = Json.toBytes(new StatusEvent("serve", TaskState.ACTIVE, "serving", null, Map.of(), Instant.now(),
                Map.of("rollout", Map.of("modelName", "fashion", "liveVersion", 3, "installedVersions", List.of(1, 2, 3))), "sm-1",
                Instant.now()));
        companion.produce(Serdes.String(), Serdes.ByteArray()).fromRecords(new ProducerRecord<>("tf-fashion.status", "serve/sm-1",
                event)).awaitCompletion();
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> given().get("/v1/rollout/fashion").statusCode() == 200);
    }
}
