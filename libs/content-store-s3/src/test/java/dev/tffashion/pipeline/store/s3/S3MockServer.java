package dev.tffashion.pipeline.store.s3;

import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Adobe's S3Mock (an S3 API server, {@code com.adobe.testing:s3mock}, copied by the build from Maven Central into
 * {@code target/s3mock}) as a process of its own on free loopback ports, ended by this object (its own PID) when closed.
 * Shared through this module's test-jar (libs/pipeline-quarkus starts a service's store against it).
 */
public final class S3MockServer implements AutoCloseable {

    private static final Duration START_TIMEOUT = Duration.ofSeconds(120);

    private final Process process;
    private final Path log;
    private final URI endpoint;

    private S3MockServer(Process process, Path log, URI endpoint) {
        this.process = process;
        this.log = log;
        this.endpoint = endpoint;
    }

    /** Starts S3Mock with its objects under {@code root} and waits until its HTTP API answers. */
    public static S3MockServer start(Path root) throws IOException, InterruptedException {
        String jar = System.getProperty("s3mock.jar");
        if (jar == null || !Files.isRegularFile(Path.of(jar))) {
            throw new IllegalStateException("S3Mock's jar is missing (" + jar + "): run the tests through Maven, which copies"
                    + " com.adobe.testing:s3mock:exec into target/s3mock (process-test-resources)");
        }
        int httpPort = freePort();
        int httpsPort = freePort();
        Path data = Files.createDirectories(root.resolve("objects"));
        Path log = root.resolve("s3mock.log");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process process = new ProcessBuilder(List.of(java, "-Xmx256m", "-XX:TieredStopAtLevel=1", "-jar", jar,
                "--server.address=127.0.0.1",
                "--server.port=" + httpsPort,
                "--com.adobe.testing.s3mock.httpPort=" + httpPort,
                "--com.adobe.testing.s3mock.store.root=" + data,
                "--logging.level.root=WARN"))
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        S3MockServer server = new S3MockServer(process, log, URI.create("http://127.0.0.1:" + httpPort));
        try {
            server.awaitReady();
        } catch (IOException | InterruptedException | RuntimeException e) {
            server.close();
            throw e;
        }
        return server;
    }

    public URI endpoint() {
        return endpoint;
    }

    private void awaitReady() throws IOException, InterruptedException {
        Instant deadline = Instant.now().plus(START_TIMEOUT);
        while (Instant.now().isBefore(deadline)) {
            if (!process.isAlive()) {
                throw new IllegalStateException("S3Mock exited with " + process.exitValue() + " before it answered:\n" + logTail());
            }
            try {
                HttpURLConnection connection = (HttpURLConnection) endpoint.toURL().openConnection();
                connection.setConnectTimeout(1000);
                connection.setReadTimeout(5000);
                int status = connection.getResponseCode();
                connection.disconnect();
                if (status == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(250);
        }
        throw new IllegalStateException("S3Mock did not answer on " + endpoint + " within " + START_TIMEOUT + ":\n" + logTail());
    }

    private String logTail() throws IOException {
        List<String> lines = Files.readAllLines(log);
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    /** Ends the S3Mock process this object started (by its handle, never by name), forcibly if it does not stop in 20 s. */
    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
