package dev.tffashion.predict.health;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.tffashion.predict.Endpoint;
import dev.tffashion.predict.client.PredictionClient;
import dev.tffashion.predict.config.PredictConfig;
import dev.tffashion.predict.messaging.EndpointWatcher;
import dev.tffashion.tfserving.client.ServingSignature;
import io.smallrye.faulttolerance.api.CircuitBreakerState;
import jakarta.enterprise.inject.Vetoed;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.junit.jupiter.api.Test;

/**
 * The readiness check reuses a probe's answer for {@code predict.health.cache-for} (5 s), but a failure for at most a second: a
 * model server that was still loading when predict first asked (as at {@code bin/tf-fashion up}) makes predict ready about a
 * second after it answers, not five.
 */
class ServingReadinessCheckTest {

    private static final Endpoint ENDPOINT = new Endpoint("v1", "127.0.0.1:1", "fashion", 1L, null);
    private static final ServingSignature SIGNATURE = new ServingSignature("fashion", 1, "serving_default", "images",
        new long[] {-1, 28, 28}, "probabilities", new long[] {-1, 10});

    /** A model server that answers once {@code answering} is set, and counts the probes. */
    @Vetoed // a test double, not a bean of the Quarkus tests that share this class path
    private static final class Server extends PredictionClient {
        final AtomicBoolean answering = new AtomicBoolean();
        final AtomicInteger probes = new AtomicInteger();

        @Override
        public ServingSignature probe(Endpoint endpoint, Duration deadline) {
            probes.incrementAndGet();
            if (!answering.get()) {
                throw new IllegalStateException("UNAVAILABLE (the server does not answer)");
            }
            return SIGNATURE;
        }

        @Override
        public CircuitBreakerState circuitState(Endpoint endpoint) {
            return CircuitBreakerState.CLOSED;
        }
    }

    @Vetoed // a test double, not a bean of the Quarkus tests that share this class path
    private static final class Announced extends EndpointWatcher {
        @Override
        public Optional<Endpoint> current() {
            return Optional.of(ENDPOINT);
        }
    }

    /** predict.health.cache-for = 5 s, deadline 2 s. */
    private static PredictConfig config() {
        PredictConfig.Health health = (PredictConfig.Health) Proxy.newProxyInstance(PredictConfig.class.getClassLoader(),
            new Class<?>[] {PredictConfig.Health.class}, (proxy, method, args) -> switch (method.getName()) {
                case "cacheFor" -> Duration.ofSeconds(5);
                case "deadline" -> Duration.ofSeconds(2);
                default -> throw new UnsupportedOperationException(method.getName());
            });
        return (PredictConfig) Proxy.newProxyInstance(PredictConfig.class.getClassLoader(), new Class<?>[] {PredictConfig.class},
            (proxy, method, args) -> {
                if (method.getName().equals("health")) {
                    return health;
                }
                throw new UnsupportedOperationException(method.getName());
            });
    }

    @Test
    void aFailedProbeIsAskedAgainWithinASecondAnAnswerIsKept() throws InterruptedException {
        Server server = new Server();
        ServingReadinessCheck check = new ServingReadinessCheck();
        check.endpoints = new Announced();
        check.client = server;
        check.config = config();

        assertEquals(HealthCheckResponse.Status.DOWN, check.call().getStatus(), "the model server does not answer yet");
        assertEquals(HealthCheckResponse.Status.DOWN, check.call().getStatus(), "a failure is reused at once");
        assertEquals(1, server.probes.get());
        server.answering.set(true);
        Thread.sleep(ServingReadinessCheck.FAILURE_REUSE.toMillis() + 200);
        assertEquals(HealthCheckResponse.Status.UP, check.call().getStatus(), "asked again after a second: it answers");
        assertEquals(2, server.probes.get());
        server.answering.set(false);
        Thread.sleep(ServingReadinessCheck.FAILURE_REUSE.toMillis() + 200);
        assertEquals(HealthCheckResponse.Status.UP, check.call().getStatus(), "an answer is reused for cache-for (5 s)");
        assertEquals(2, server.probes.get());
    }
}
