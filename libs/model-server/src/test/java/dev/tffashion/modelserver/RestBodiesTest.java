package dev.tffashion.modelserver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Collections;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The REST API's bodies stay within a share of the heap: with the limits of a 32 MiB heap (a body at most 1 MiB, bodies being
 * parsed at most 16 MiB counted 16 times), a larger body is refused 413 whether it says its length or not, a body that finds no
 * room beside one being read is refused 429 with Retry-After (the client reads it after sending its body), a small predict
 * beside it is answered, and the room comes back.
 * Without the limits a body was read whole, and one large enough ran the server (and serve-manager around it) out of heap.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RestBodiesTest {

    private static final long HEAP = 32L * 1024 * 1024;
    private static final int MAX = (int) (HEAP / 32);

    private ModelServer server;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @BeforeAll
    void start(@TempDir Path tmp) throws Exception {
        Path base = tmp.resolve("fashion");
        TinyModels.export(base.resolve("1"), 1);
        server = ModelServer.builder().modelName("fashion").modelBasePath(base).pollInterval(Duration.ZERO).heapBytes(HEAP)
            .build().start();
    }

    @AfterAll
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private URI predict() {
        return URI.create("http://127.0.0.1:" + server.restPort() + "/v1/models/fashion:predict");
    }

    private HttpResponse<String> post(HttpRequest.BodyPublisher body) throws Exception {
        return http.send(HttpRequest.newBuilder(predict()).timeout(Duration.ofSeconds(30)).POST(body).build(),
            HttpResponse.BodyHandlers.ofString());
    }

    private static byte[] spaces(int n) {
        byte[] body = new byte[n];
        Arrays.fill(body, (byte) ' ');
        return body;
    }

    /** One 28x28 picture of zeros, as TF Serving's row format. */
    private static String onePicture() {
        String row = "[" + String.join(",", Collections.nCopies(28, "0.0")) + "]";
        return "{\"instances\": [[" + String.join(",", Collections.nCopies(28, row)) + "]]}";
    }

    @Test
    void aBodyOverTheLimitIs413WithOrWithoutItsLength() throws Exception {
        HttpResponse<String> declared = post(HttpRequest.BodyPublishers.ofByteArray(spaces(2 * MAX)));
        assertEquals(413, declared.statusCode(), declared.body());
        assertTrue(declared.body().contains("larger than this model server takes: " + MAX + " bytes"), declared.body());
        HttpResponse<String> chunked = post(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(spaces(2 * MAX))));
        assertEquals(413, chunked.statusCode(), chunked.body());
        assertTrue(chunked.body().contains("more than " + MAX + " bytes"), chunked.body());
        assertEquals(200, post(HttpRequest.BodyPublishers.ofString(onePicture())).statusCode(), "a small predict after them");
    }

    @Test
    void aBodyThatFindsNoRoomIs429AndTheRoomComesBack() throws Exception {
        int held = MAX * 6 / 10;
        try (Socket holder = new Socket("127.0.0.1", server.restPort())) {
            OutputStream out = holder.getOutputStream();
            out.write(("POST /v1/models/fashion:predict HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: "
                + held + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(spaces(1000));
            out.flush();
            // the holder's exchange runs on one of the server's threads once its headers are read: wait until it holds its room
            long room = held * RestBodies.PARSE_FACTOR;
            long deadline = System.currentTimeMillis() + 30_000;
            while (System.currentTimeMillis() < deadline && server.restBodyBytesReserved() < room) {
                Thread.sleep(20);
            }
            assertEquals(room, server.restBodyBytesReserved(), "the room of the body being read (" + held + " bytes declared, 1000 sent)");
            // several times: the client sends the whole body before it reads the answer, so a 429 sent before the body was read
            // (the connection then closed) came to it as "fixed content-length: 248, bytes received: 0"
            for (int i = 0; i < 8; i++) {
                HttpResponse<String> busy = post(HttpRequest.BodyPublishers.ofByteArray(spaces(held)));
                assertEquals(429, busy.statusCode(), "a second large body while the first is read: " + busy.body());
                assertEquals("1", busy.headers().firstValue("Retry-After").orElse(null));
                assertTrue(busy.body().contains("send the request again in a moment"), busy.body());
            }
            HttpResponse<String> small = post(HttpRequest.BodyPublishers.ofString(onePicture()));
            assertEquals(200, small.statusCode(), "a small predict beside the held body: " + small.body());
        }
        // the holder is gone: its room comes back, and the same body is parsed (spaces: not a JSON object, 400)
        long deadline = System.currentTimeMillis() + 30_000;
        while (System.currentTimeMillis() < deadline && server.restBodyBytesReserved() > 0) {
            Thread.sleep(20);
        }
        assertEquals(0, server.restBodyBytesReserved(), "the room once the holder is gone");
        assertEquals(400, post(HttpRequest.BodyPublishers.ofByteArray(spaces(held))).statusCode(), "the same body once the holder is gone");
    }
}
