package dev.tffashion.predict;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tffashion.predict.client.PredictionClient;
import dev.tffashion.tfserving.client.FloatBatch;
import dev.tffashion.tfserving.client.Scores;
import dev.tffashion.tfserving.client.ServingSignature;
import jakarta.enterprise.inject.Vetoed;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

class PredictorPrepareTest {

    private static final ServingSignature SIGNATURE = new ServingSignature("fashion", 1, "serving_default", "images",
        new long[] {-1, 28, 28}, "probabilities", new long[] {-1, 10});

    /** A model server that does not answer the first {@code silent} reads of an endpoint's signature, then answers. */
    @Vetoed // a test double, not a bean of the Quarkus tests that share this class path
    private static final class LateServer extends PredictionClient {
        final int silent;
        final Map<String, AtomicInteger> probes = new ConcurrentHashMap<>();
        final Map<String, AtomicInteger> predicts = new ConcurrentHashMap<>();

        LateServer(int silent) {
            this.silent = silent;
        }

        @Override
        public ServingSignature probe(Endpoint endpoint, Duration deadline) {
            if (probes.computeIfAbsent(endpoint.valueId(), id -> new AtomicInteger()).incrementAndGet() <= silent) {
                throw new IllegalStateException("UNAVAILABLE (the server does not answer)");
            }
            return SIGNATURE;
        }

        @Override
        public Scores predict(Endpoint endpoint, ServingSignature model, FloatBatch batch) {
            predicts.computeIfAbsent(endpoint.valueId(), id -> new AtomicInteger()).incrementAndGet();
            return null;
        }

        int count(Map<String, AtomicInteger> calls, String id) {
            AtomicInteger n = calls.get(id);
            return n == null ? 0 : n.get();
        }
    }

    private static Predictor predictor(PredictionClient client) {
        Predictor predictor = new Predictor();
        predictor.client = client;
        return predictor;
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "within 20 s: " + what);
            Thread.sleep(20);
        }
    }

    @Test
    void anEndpointWhoseServerDoesNotAnswerYetIsPreparedOnceItDoes() throws InterruptedException {
        LateServer server = new LateServer(3);
        Predictor predictor = predictor(server);
        Endpoint endpoint = new Endpoint("v1", "127.0.0.1:1", "fashion", 1L, null);
        predictor.prepare(endpoint, Duration.ofSeconds(1));
        await("the preparing Predict call after the server answered", () -> server.count(server.predicts, "v1") == 1);
        assertEquals(4, server.count(server.probes, "v1"), "three reads unanswered, the fourth answered, then no more");
        assertEquals(SIGNATURE, predictor.signature(endpoint), "the signature is kept for the first tensor");
    }

    @Test
    void aNewerEndpointStopsTheEarliersAttempts() throws InterruptedException {
        LateServer server = new LateServer(Integer.MAX_VALUE);
        Predictor predictor = predictor(server);
        predictor.prepare(new Endpoint("v1", "127.0.0.1:1", "fashion", 1L, null), Duration.ofSeconds(1));
        await("a second attempt at v1", () -> server.count(server.probes, "v1") >= 2);
        predictor.prepare(new Endpoint("v2", "127.0.0.1:1", "fashion", 2L, null), Duration.ofSeconds(1));
        await("attempts at v2", () -> server.count(server.probes, "v2") >= 2);
        int v1 = server.count(server.probes, "v1");
        await("more attempts at v2", () -> server.count(server.probes, "v2") >= 4);
        assertEquals(v1, server.count(server.probes, "v1"), "v1 is no longer tried once v2 was announced");
    }

    @Test
    void aPreparingCallSendsOneInstanceOfTheDeclaredShape() {
        assertArrayEquals(new long[] {1, 28, 28}, Predictor.zeroInstance(new long[] {-1, 28, 28}).shape());
        assertArrayEquals(new long[] {1, 784}, Predictor.zeroInstance(new long[] {-1, 784}).shape());
        assertArrayEquals(new long[] {1, 28, 28, 1}, Predictor.zeroInstance(new long[] {8, 28, 28, 1}).shape());
    }

    @Test
    void noPreparingCallWhenAnInstanceIsNotFixedOrTooLarge() {
        assertNull(Predictor.zeroInstance(null));
        assertNull(Predictor.zeroInstance(new long[] {-1}));
        assertNull(Predictor.zeroInstance(new long[] {-1, -1, 28}));
        assertNull(Predictor.zeroInstance(new long[] {-1, 0}));
        assertNull(Predictor.zeroInstance(new long[] {-1, 4096, 4096}));
    }
}
