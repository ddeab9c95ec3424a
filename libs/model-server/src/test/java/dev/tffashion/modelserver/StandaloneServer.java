package dev.tffashion.modelserver;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs the standalone model server as a child process on loopback and checks that it answers REST status. */
final class StandaloneServer {

    private StandaloneServer() {
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    /** A standalone model server running as a child process; closing it ends the process. */
    record Running(Process process, int restPort, Path log) implements AutoCloseable {

        @Override
        public void close() throws InterruptedException {
            process.destroy();
            if (!process.waitFor(15, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    /**
     * Starts {@code java <launch...> <flags> <extraFlags>} serving a tiny model on loopback and waits for REST status
     * AVAILABLE; the caller closes it. The process is ended when it does not come up.
     */
    static Running start(Path tmp, List<String> launch, List<String> extraFlags) throws Exception {
        Path base = tmp.resolve("models/fashion");
        TinyModels.export(base.resolve("1"), 1);
        int restPort = freePort();
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(launch);
        command.addAll(List.of("--port=0", "--rest_api_port", Integer.toString(restPort), "--model_name=fashion",
            "--model_base_path", base.toString(), "--file_system_poll_wait_seconds=1", "--host=127.0.0.1"));
        command.addAll(extraFlags);
        Path log = tmp.resolve("model-server.log");
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        Running running = new Running(process, restPort, log);
        try {
            HttpClient http = HttpClient.newHttpClient();
            HttpRequest status = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + restPort + "/v1/models/fashion"))
                .timeout(Duration.ofSeconds(5)).GET().build();
            JsonNode body = await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                .ignoreExceptions()
                .failFast("the model server exited; see " + log, () -> !process.isAlive())
                .until(() -> {
                    HttpResponse<String> response = http.send(status, HttpResponse.BodyHandlers.ofString());
                    return response.statusCode() == 200 ? new ObjectMapper().readTree(response.body()) : null;
                }, b -> b != null);
            assertEquals("AVAILABLE", body.at("/model_version_status/0/state").asText(), body.toString());
            return running;
        } catch (Exception | AssertionError e) {
            running.close();
            throw e;
        }
    }

    /** Starts {@code java <launch...> <flags>} serving a tiny model, checks REST status AVAILABLE, and ends the process. */
    static void runAndCheck(Path tmp, List<String> launch) throws Exception {
        try (Running running = start(tmp, launch, List.of())) {
            System.out.println("Standalone model server said:\n" + Files.readString(running.log()));
        }
    }
}
