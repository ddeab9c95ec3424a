package dev.tffashion.predict.messaging;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;

import jakarta.annotation.PreDestroy;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.interceptor.Interceptor;

import org.jboss.logging.Logger;

import dev.tffashion.pipeline.graph.PipelineGraph;
import dev.tffashion.pipeline.kafka.ValueRecords;
import dev.tffashion.pipeline.quarkus.follow.FollowedRecord;
import dev.tffashion.pipeline.quarkus.follow.TopicFollower;
import dev.tffashion.pipeline.quarkus.follow.TopicFollowers;
import dev.tffashion.pipeline.store.ContentStore;
import dev.tffashion.predict.Endpoint;
import dev.tffashion.predict.Predictions;
import dev.tffashion.predict.Predictor;
import dev.tffashion.predict.client.PredictionClient;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;

/**
 * Follows the compacted {@code <pipeline>.serve.endpoint} topic and keeps the latest endpoint (the last record, by timestamp). Every
 * instance reads the whole topic from the beginning, through a {@link TopicFollower} (no consumer group, Quarkus's Kafka settings,
 * restarts after Kafka errors). Waiters (the tensor consumer) are woken when the endpoint changes, the watcher catches up, or the
 * service stops.
 */
@ApplicationScoped
public class EndpointWatcher {

    private static final Logger LOG = Logger.getLogger(EndpointWatcher.class);

    @Inject
    PipelineGraph graph;

    @Inject
    ContentStore store;

    @Inject
    PredictionClient client;

    @Inject
    Predictor predictor;

    @Inject
    TaskStatus status;

    @Inject
    TopicFollowers followers;

    private final Object signal = new Object();
    private volatile Endpoint current;
    private volatile long currentTimestamp = Long.MIN_VALUE;
    private volatile boolean stopping;
    private volatile TopicFollower follower;

    void start(@Observes StartupEvent event) {
        String topic = graph.inputTopic(Predictions.TASK, Predictions.ENDPOINT_INPUT);
        LOG.infof("reading the latest endpoint from %s", topic);
        follower = followers.follower("predict-endpoint-watcher").topics(topic).apply(this::apply).start();
        follower.caughtUp().thenRun(this::caughtUpNow);
    }

    /** The latest endpoint, if serve has announced one. */
    public Optional<Endpoint> current() {
        return Optional.ofNullable(current);
    }

    /** Whether the topic has been read up to where it stood at start-up (before that, an older endpoint may be current). */
    public boolean caughtUp() {
        TopicFollower f = follower;
        return f != null && f.isCaughtUp();
    }

    /** Whether the service is shutting down: waiters give up and leave their records unacknowledged. */
    public boolean stopping() {
        return stopping;
    }

    /**
     * Waits until the endpoint differs from {@code known}, the watcher catches up, the service stops, or {@code max} passes.
     *
     * @return the current endpoint, if any
     */
    public Optional<Endpoint> awaitChange(Endpoint known, Duration max) {
        long deadline = System.nanoTime() + max.toNanos();
        boolean wasCaughtUp = caughtUp();
        synchronized (signal) {
            while (!stopping && current == known && caughtUp() == wasCaughtUp) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    break;
                }
                try {
                    signal.wait(Math.max(1, left / 1_000_000));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
        return current();
    }

    private void caughtUpNow() {
        Endpoint endpoint = current;
        if (endpoint == null) {
            status.waiting("no model is served yet: tensors wait on Kafka until serve announces an endpoint");
        } else {
            predictor.prepare(endpoint);
            status.idle("model " + endpoint.describe() + " announced; waiting for tensors", Map.of("model", endpoint.modelName(),
                "grpcTarget", endpoint.grpcTarget()));
        }
        signalAll();
    }

    private void apply(FollowedRecord record) {
        if (record.value() == null) {
            return;
        }
        Endpoint endpoint;
        try {
            endpoint = Endpoint.of(ValueRecords.decode(record.headers(), record.value()), store);
        } catch (RuntimeException e) {
            LOG.warnf("ignoring record %s at %s: not a usable endpoint: %s (predict keeps %s)", record.key(), record.where(),
                e.getMessage(), current == null ? "waiting" : current.describe());
            return;
        }
        if (record.timestamp() < currentTimestamp) {
            LOG.infof("ignoring endpoint %s: older than the current one (%s)", endpoint.describe(), current.describe());
            return;
        }
        Endpoint previous = current;
        currentTimestamp = record.timestamp();
        current = endpoint;
        if (!endpoint.equals(previous)) {
            LOG.infof("serving endpoint: %s, signature %s (value %s)", endpoint.describe(), endpoint.signatureName(), endpoint.valueId());
            client.retainOnly(endpoint.grpcTarget());
            if (caughtUp()) {
                predictor.prepare(endpoint);
                status.idle("model " + endpoint.describe() + " announced", Map.of("model", endpoint.modelName(), "grpcTarget",
                    endpoint.grpcTarget()));
            }
        }
        signalAll();
    }

    private void signalAll() {
        synchronized (signal) {
            signal.notifyAll();
        }
    }

    void stopping(@Observes @Priority(Interceptor.Priority.PLATFORM_BEFORE) ShutdownEvent event) {
        stopping = true;
        signalAll();
    }

    /** Wakes the waiters; the follower itself is stopped by {@link TopicFollowers}. */
    @PreDestroy
    void stop() {
        stopping = true;
        signalAll();
    }
}
