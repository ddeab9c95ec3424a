package dev.tffashion.predict.client;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.tffashion.kafkalocal.testing.KafkaTestResource;
import dev.tffashion.modelserver.ModelServer;
import dev.tffashion.predict.Endpoint;
import dev.tffashion.predict.ModelNotLoadedException;
import dev.tffashion.predict.ModelSignature;
import dev.tffashion.predict.RejectedInputException;
import dev.tffashion.predict.SavedModels;
import dev.tffashion.predict.ServingFailedException;
import dev.tffashion.predict.ServingUnavailableException;
import dev.tffashion.predict.TestValues;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

/** The TF Serving client against a real model server: signatures, shaping, and the mapping of TF Serving's errors. */
@QuarkusTest
@WithTestResource(value = KafkaTestResource.class, scope = TestResourceScope.MATCHING_RESOURCES)
class TfServingClientTest {

    private static Path models;
    private static ModelServer server;

    @Inject
    TfServingClient client;

    @BeforeAll
    static void start() throws IOException {
        models = Files.createTempDirectory("predict-client-models");
        SavedModels.export(models.resolve("7"), SavedModels.KOALJA, 7);
        server = ModelServer.builder().modelName("koalja").modelBasePath(models).restPort(ModelServer.DISABLED)
            .pollInterval(Duration.ZERO).build().start();
    }

    @AfterAll
    static void stop() throws IOException {
        if (server != null) {
            server.close();
        }
        try (Stream<Path> walk = Files.walk(models)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    @Test
    void readsTheSignatureAndTheVersionThatAnswered() {
        ModelSignature signature = client.metadata(endpoint("koalja", null));
        assertEquals(7, signature.version());
        assertEquals("input_image", signature.inputName());
        assertArrayEquals(new long[] {-1, 784}, signature.inputDims());
        assertEquals("dense_1", signature.outputName());
    }

    @Test
    void classifiesABatchInOneCall() {
        ModelSignature signature = client.metadata(endpoint("koalja", 7L));
        List<float[]> pictures = List.of(TestValues.pixels(1, 784), TestValues.pixels(2, 784), TestValues.pixels(3, 784));
        TfServingClient.Scores scores = client.predict(endpoint("koalja", 7L), signature, new long[] {784}, pictures);
        assertEquals(7, scores.version());
        assertEquals(3, scores.rows().size());
        for (float[] row : scores.rows()) {
            assertEquals(10, row.length);
        }
    }

    @Test
    void mapsTfServingsErrorsToTheDomain() {
        var unknownModel = assertThrows(ModelNotLoadedException.class, () -> client.metadata(endpoint("shoes", null)));
        assertTrue(unknownModel.getMessage().contains("NOT_FOUND"), unknownModel.getMessage());
        assertThrows(ModelNotLoadedException.class, () -> client.metadata(endpoint("koalja", 99L)));

        Endpoint otherSignature = new Endpoint("e", server.grpcTarget(), "koalja", null, "classify");
        var signature = assertThrows(ServingFailedException.class, () -> client.metadata(otherSignature));
        assertTrue(signature.getMessage().contains("serving_default"), signature.getMessage());

        ModelSignature model = client.metadata(endpoint("koalja", null));
        var refused = assertThrows(RejectedInputException.class,
            () -> client.predict(endpoint("koalja", null), model, new long[] {28, 28}, List.of(TestValues.pixels(4, 784))));
        assertTrue(refused.getMessage().contains("INVALID_ARGUMENT"), refused.getMessage());
    }

    @Test
    void retriesThenOpensTheCircuitWhenNothingListens() throws IOException {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        Endpoint nowhere = new Endpoint("e", "127.0.0.1:" + port, "koalja", null, null);
        for (int i = 0; i < 3; i++) {
            var down = assertThrows(ServingUnavailableException.class, () -> client.metadata(nowhere));
            assertTrue(down.getMessage().contains("UNAVAILABLE"), down.getMessage());
        }
        assertEquals(CircuitBreaker.State.OPEN, client.circuitState(nowhere));
        long start = System.nanoTime();
        var open = assertThrows(ServingUnavailableException.class, () -> client.metadata(nowhere));
        assertTrue(open.getMessage().contains("circuit is open"), open.getMessage());
        assertInstanceOf(ServingUnavailableException.class, open);
        System.out.printf("an open circuit fails in %.2f ms%n", (System.nanoTime() - start) / 1e6);
        assertEquals(CircuitBreaker.State.CLOSED, client.circuitState(endpoint("koalja", null)));
    }

    private static Endpoint endpoint(String model, Long version) {
        return new Endpoint("e-" + model, server.grpcTarget(), model, version, null);
    }
}
