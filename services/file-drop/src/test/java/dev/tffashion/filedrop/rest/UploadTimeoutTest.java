package dev.tffashion.filedrop.rest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.tffashion.kafkalocal.testing.KafkaTestResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/**
 * An upload whose body stops coming is answered 408 once {@code file-drop.upload-timeout} (here 2 s) has passed, says how much
 * of it came, and gives its memory room back: with 1 MiB for bodies, the same 800 kB is then taken by another drop.
 */
@QuarkusTest
@TestProfile(UploadTimeoutTest.TwoSeconds.class)
@WithTestResource(KafkaTestResource.class)
class UploadTimeoutTest {

    public static class TwoSeconds implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("file-drop.upload-timeout", "2s", "file-drop.upload-memory-mib", "1");
        }
    }

    private static final int LARGE = 800_000;

    @TestHTTPResource("/")
    URI base;

    @Test
    void aStalledUploadIsAnswered408AndItsRoomComesBack() throws Exception {
        String answer;
        long started = System.nanoTime();
        try (Socket stalled = new Socket(base.getHost(), base.getPort())) {
            stalled.setSoTimeout(30_000);
            OutputStream out = stalled.getOutputStream();
            out.write(("POST /imageInput HTTP/1.1\r\nHost: localhost\r\nContent-Type: image/png\r\nContent-Length: " + LARGE
                    + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(new byte[1000]);
            out.flush();
            answer = new String(stalled.getInputStream().readNBytes(2000), StandardCharsets.UTF_8);
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        assertTrue(answer.startsWith("HTTP/1.1 408"), "a stalled upload's answer: " + answer);
        assertTrue(answer.contains("file-drop.upload-timeout") && answer.contains("1000 of " + LARGE + " bytes came"), answer);
        assertTrue(answer.contains("nothing was accepted"), answer);
        assertTrue(seconds >= 1.9, "answered after " + seconds + " s, before the 2 s timeout");
        // its room is given back: the same size now gets to the picture check (zeros: 415), not 503 busy
        assertEquals(415, ZeroDrops.dropUntil(LARGE, status -> status != 503),
                "800 kB of zeros after the stalled upload's 408: refused as not a picture, not as busy");
    }

    @Test
    void aStalledReplayRequestIsAnswered408Too() throws Exception {
        try (Socket stalled = new Socket(base.getHost(), base.getPort())) {
            stalled.setSoTimeout(30_000);
            OutputStream out = stalled.getOutputStream();
            out.write(("POST /v1/replay HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 40000"
                    + "\r\n\r\n{\"fromVersion\": 1,").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String answer = new String(stalled.getInputStream().readNBytes(2000), StandardCharsets.UTF_8);
            assertTrue(answer.startsWith("HTTP/1.1 408"), "a stalled replay request's answer: " + answer);
            assertTrue(answer.contains("the request body did not arrive") && answer.contains("18 of 40000 bytes came"), answer);
        }
    }
}
