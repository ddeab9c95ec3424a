package dev.tffashion.modelserver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * --rest_api_timeout_in_ms: clients that hold every REST thread with a request that never finishes arriving (a body cut
 * short, headers cut short) are cut off after the timeout, and the next predict is answered; a keep-alive connection idle
 * for longer than the timeout is not cut. Without the bound the held threads waited for ever and no predict was answered.
 * A child process, because the JDK reads the bound once per JVM (see {@link RestTimeouts}).
 */
class RestTimeoutsTest {

    private static final int TIMEOUT_MS = 3000;
    private static final int THREADS = 2;

    @TempDir
    Path tmp;

    private static String onePicture() {
        String row = "[" + String.join(",", Collections.nCopies(28, "0.0")) + "]";
        return "{\"instances\": [[" + String.join(",", Collections.nCopies(28, row)) + "]]}";
    }

    private static String predictRequest(String body) {
        return "POST /v1/models/fashion:predict HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: "
            + body.getBytes(StandardCharsets.UTF_8).length + "\r\n\r\n" + body;
    }

    @Test
    void slowClientsAreCutOffAndIdleKeepAliveIsNot() throws Exception {
        String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        try (StandaloneServer.Running server = StandaloneServer.start(tmp, List.of("-cp", classPath, ModelServerMain.class.getName()),
            List.of("--rest_api_timeout_in_ms=" + TIMEOUT_MS, "--rest_api_num_threads=" + THREADS))) {
            URI predict = URI.create("http://127.0.0.1:" + server.restPort() + "/v1/models/fashion:predict");
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

            try (Socket keepAlive = new Socket("127.0.0.1", server.restPort())) {
                keepAlive.setSoTimeout(10_000);
                assertEquals(200, exchange(keepAlive, predictRequest(onePicture())), "the first predict on a kept connection");

                List<Socket> slow = new ArrayList<>();
                try {
                    for (int i = 0; i < THREADS * 2; i++) {
                        Socket s = new Socket("127.0.0.1", server.restPort());
                        s.setSoTimeout(TIMEOUT_MS + 10_000);
                        OutputStream out = s.getOutputStream();
                        if (i % 2 == 0) {
                            // a body that stops after its first bytes
                            out.write(("POST /v1/models/fashion:predict HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                                + "Content-Length: 100000\r\n\r\n{\"instances\": ").getBytes(StandardCharsets.US_ASCII));
                        } else {
                            // headers that stop half way
                            out.write("GET /v1/models/fashion HTTP/1.1\r\nHost: loc".getBytes(StandardCharsets.US_ASCII));
                        }
                        out.flush();
                        slow.add(s);
                    }
                    long start = System.nanoTime();
                    // the test's own precondition: the slow clients hold every thread, so a predict waits
                    assertThrows(HttpTimeoutException.class, () -> http.send(HttpRequest.newBuilder(predict)
                            .timeout(Duration.ofMillis(TIMEOUT_MS / 3)).POST(HttpRequest.BodyPublishers.ofString(onePicture())).build(),
                        HttpResponse.BodyHandlers.ofString()), "a predict while every REST thread waits on a slow client");

                    HttpResponse<String> answered = http.send(HttpRequest.newBuilder(predict).timeout(Duration.ofSeconds(20))
                        .POST(HttpRequest.BodyPublishers.ofString(onePicture())).build(), HttpResponse.BodyHandlers.ofString());
                    long waitedMs = (System.nanoTime() - start) / 1_000_000;
                    assertEquals(200, answered.statusCode(), answered.body());
                    assertTrue(waitedMs < TIMEOUT_MS + 5000, "answered " + waitedMs + " ms after the slow clients came");
                    for (Socket s : slow) {
                        assertClosedByServer(s);
                    }
                } finally {
                    for (Socket s : slow) {
                        s.close();
                    }
                }
                // idle for longer than the timeout between two requests: the kept connection still answers
                Thread.sleep(TIMEOUT_MS + 1500);
                assertEquals(200, exchange(keepAlive, predictRequest(onePicture())),
                    "a predict on the kept connection after an idle while");
            }
        }
    }

    /** Sends one request on a kept connection and reads its answer (Content-Length framed); returns the status. */
    private static int exchange(Socket socket, String request) throws IOException {
        socket.getOutputStream().write(request.getBytes(StandardCharsets.UTF_8));
        socket.getOutputStream().flush();
        InputStream in = socket.getInputStream();
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("the server closed the kept connection; got: " + head.toString(StandardCharsets.ISO_8859_1));
            }
            head.write(b);
        }
        String headers = head.toString(StandardCharsets.ISO_8859_1);
        Matcher length = Pattern.compile("(?i)content-length: *(\\d+)").matcher(headers);
        assertTrue(length.find(), headers);
        in.readNBytes(Integer.parseInt(length.group(1)));
        return Integer.parseInt(headers.substring(9, 12));
    }

    /** Reads past whatever the server still sends until it closes the connection (a reset counts as closed). */
    private static void assertClosedByServer(Socket socket) throws IOException {
        try {
            InputStream in = socket.getInputStream();
            while (in.read() >= 0) {
                // an answer to a cut-short request is not expected, but whatever came is read past
            }
        } catch (SocketTimeoutException e) {
            fail("a slow client's connection is still open " + socket.getSoTimeout() + " ms later");
        } catch (SocketException reset) {
            // closed
        }
    }
}
