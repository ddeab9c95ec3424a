package dev.tffashion.predict.client;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
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
import dev.tffashion.predict.RejectedInputException;
import dev.tffashion.predict.SavedModels;
import dev.tffashion.predict.ServingFailedException;
import dev.tffashion.predict.ServingUnavailableException;
import dev.tffashion.predict.TestValues;
import dev.tffashion.tfserving.client.FloatBatch;
import dev.tffashion.tfserving.client.Scores;
import dev.tffashion.tfserving.client.ServingSignature;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.faulttolerance.api.CircuitBreakerState;

/**
 * Predict's TF Serving client against a real model server: signatures, batches from float rows and from raw float32 bytes, the
 * mapping of TF Serving's errors to predict's exceptions, and the circuit breaker as the readiness check reports it.
 */
@QuarkusTest
@WithTestResource(value = KafkaTestResource.class, scope = TestResourceScope.MATCHING_RESOURCES)
class PredictionClientTest {

    private static Path models;
    private static ModelServer server;

    @Inject
    PredictionClient client;

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
        ServingSignature signature = client.metadata(endpoint("koalja", null));
        assertEquals(7, signature.version());
        assertEquals("input_image", signature.inputName());
        assertArrayEquals(new long[] {-1, 784}, signature.inputDims());
        assertEquals("dense_1", signature.outputName());
    }

    @Test
    void classifiesABatchInOneCall() {
        ServingSignature signature = client.metadata(endpoint("koalja", 7L));
        List<float[]> pictures = List.of(TestValues.pixels(1, 784), TestValues.pixels(2, 784), TestValues.pixels(3, 784));
        Scores scores = client.predict(endpoint("koalja", 7L), signature, FloatBatch.ofRows(new long[] {784}, pictures));
        assertEquals(7, scores.version());
        assertEquals(3, scores.rows().size());
        for (float[] row : scores.rows()) {
            assertEquals(10, row.length);
        }
        Scores fromBytes = client.predict(endpoint("koalja", 7L), signature,
            FloatBatch.ofRawRows(new long[] {784}, pictures.stream().map(PredictionClientTest::littleEndian).toList()));
        for (int i = 0; i < pictures.size(); i++) {
            assertArrayEquals(scores.rows().get(i), fromBytes.rows().get(i), "picture " + i);
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

        ServingSignature model = client.metadata(endpoint("koalja", null));
        // The model server leaves shapes to the graph, as TF Serving does: 28 values per row cannot meet the model's 784-wide
        // weights, and TensorFlow's own INVALID_ARGUMENT comes back.
        var refused = assertThrows(RejectedInputException.class,
            () -> client.predict(endpoint("koalja", null), model, FloatBatch.ofRows(new long[] {28}, List.of(TestValues.pixels(4,
                28)))));
        assertTrue(refused.getMessage().contains("INVALID_ARGUMENT"), refused.getMessage());
    }

    @Test
    void retriesThenOpensTheCircuitWhenNothingListens() throws IOException {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        Endpoint nowhere = new Endpoint("e", "127.0.0.1:" + port, "koalja", null, null);
        var down = assertThrows(ServingUnavailableException.class, () -> client.metadata(nowhere));
        assertTrue(down.getMessage().contains("UNAVAILABLE") || down.getMessage().contains("DEADLINE_EXCEEDED"), down.getMessage());
        assertEquals(CircuitBreakerState.CLOSED, client.circuitState(nowhere), "4 attempts of the 8 that open the circuit");
        // The second call's 4 attempts open it; the third fails fast.
        assertThrows(ServingUnavailableException.class, () -> client.metadata(nowhere));
        var open = assertThrows(ServingUnavailableException.class, () -> client.metadata(nowhere));
        assertTrue(open.getMessage().contains("circuit is open"), open.getMessage());
        assertEquals(CircuitBreakerState.OPEN, client.circuitState(nowhere));
        assertEquals(CircuitBreakerState.CLOSED, client.circuitState(endpoint("koalja", null)));
    }

    private static byte[] littleEndian(float[] values) {
        ByteBuffer bytes = ByteBuffer.allocate(values.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            bytes.putFloat(v);
        }
        return bytes.array();
    }

    private static Endpoint endpoint(String model, Long version) {
        return new Endpoint("e-" + model, server.grpcTarget(), model, version, null);
    }
}
