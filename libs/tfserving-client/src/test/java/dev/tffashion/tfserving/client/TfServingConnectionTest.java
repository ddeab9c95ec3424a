package dev.tffashion.tfserving.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.tffashion.modelserver.ModelServer;
import io.smallrye.faulttolerance.api.CircuitBreakerState;

/**
 * Calls against a real model server (no model installed yet) and against a port nothing listens on: status mapping, retries, and
 * the per-target circuit breaker of SmallRye Fault Tolerance.
 */
class TfServingConnectionTest {

    private static final TfServingSettings GUARDED = new TfServingSettings(Duration.ofSeconds(3), TfServingSettings.Channel.DEFAULT,
        new TfServingSettings.Retry(3, Duration.ofMillis(10), Duration.ofMillis(40)),
        new TfServingSettings.Breaker(5, Duration.ofMinutes(1)));

    private static ModelServer server;

    @BeforeAll
    static void start() throws IOException {
        Path models = Files.createTempDirectory("tfserving-client-models");
        server = ModelServer.builder().modelName("fashion").modelBasePath(models).restPort(ModelServer.DISABLED)
            .pollInterval(Duration.ZERO).build().start();
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void aModelThatIsNotLoadedIsAnAnswerThatNeverOpensTheCircuit() {
        try (TfServingConnection connection = new TfServingConnection(server.grpcTarget(), GUARDED)) {
            for (int i = 0; i < 10; i++) {
                TfServingException e = assertThrows(TfServingException.class,
                    () -> connection.metadata(new ModelRef("fashion", null, null), null, null));
                assertEquals(TfServingException.Kind.MODEL_NOT_LOADED, e.kind(), e.getMessage());
                assertTrue(e.getMessage().contains("NOT_FOUND") && e.getMessage().contains(server.grpcTarget()), e.getMessage());
            }
            assertEquals(CircuitBreakerState.CLOSED, connection.circuitState());
            VersionStatus unseen = connection.status("fashion", 4);
            assertEquals(new VersionStatus(4, VersionStatus.State.UNKNOWN, null), unseen);
        }
    }

    @Test
    void retriesWhileNothingAnswersThenOpensTheCircuitAndFailsFast() throws IOException {
        try (TfServingConnection connection = new TfServingConnection("127.0.0.1:" + freePort(), GUARDED)) {
            ModelRef model = new ModelRef("fashion", 1L, null);
            TfServingException first = assertThrows(TfServingException.class, () -> connection.metadata(model, null, null));
            assertEquals(TfServingException.Kind.UNAVAILABLE, first.kind());
            assertTrue(first.getMessage().contains("UNAVAILABLE"), first.getMessage());
            assertEquals(CircuitBreakerState.CLOSED, connection.circuitState(), "3 attempts of 5 needed to open the circuit");

            TfServingException second = assertThrows(TfServingException.class, () -> connection.metadata(model, null, null));
            assertTrue(second.getMessage().contains("circuit is open"), second.getMessage());
            assertEquals(CircuitBreakerState.OPEN, connection.circuitState());

            TfServingException fast = assertThrows(TfServingException.class, () -> connection.status("fashion", 1));
            assertEquals(TfServingException.Kind.UNAVAILABLE, fast.kind());
            assertTrue(fast.getMessage().contains("circuit is open"), fast.getMessage());
        }
    }

    @Test
    void aProbeIsOneAttemptOutsideTheBreaker() throws IOException {
        try (TfServingConnection connection = new TfServingConnection("127.0.0.1:" + freePort(), GUARDED)) {
            for (int i = 0; i < 6; i++) {
                TfServingException e = assertThrows(TfServingException.class,
                    () -> connection.probe(new ModelRef("fashion", null, null), null, null, Duration.ofSeconds(1)));
                assertEquals(TfServingException.Kind.UNAVAILABLE, e.kind(), e.getMessage());
            }
            assertEquals(CircuitBreakerState.CLOSED, connection.circuitState());
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
