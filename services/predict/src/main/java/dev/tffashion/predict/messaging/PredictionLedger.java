package dev.tffashion.predict.messaging;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.jboss.logging.Logger;

import dev.tffashion.pipeline.AnnotatedValue;
import dev.tffashion.pipeline.graph.PipelineGraph;
import dev.tffashion.pipeline.kafka.ValueEnvelope;
import dev.tffashion.pipeline.kafka.ValueRecords;
import dev.tffashion.pipeline.quarkus.follow.FollowedRecord;
import dev.tffashion.pipeline.quarkus.follow.StartAt;
import dev.tffashion.pipeline.quarkus.follow.TopicFollower;
import dev.tffashion.pipeline.quarkus.follow.TopicFollowers;
import dev.tffashion.predict.Predictions;
import dev.tffashion.predict.config.PredictConfig;
import io.quarkus.runtime.StartupEvent;

/**
 * Remembers which tensors already have a prediction: read from the tail of {@code <pipeline>.predict.prediction} (the last
 * {@code predict.ledger.window}, at most {@code predict.ledger.max-entries} tensors) and from this instance's own publications. A
 * tensor delivered again after a crash, a rebalance or a broker restart (its offset was not committed yet) is then not predicted a
 * second time, possibly by a newer model, which would give its image two different predictions. It reads through a
 * {@link TopicFollower} (every partition, no consumer group, committed records only, restarted after Kafka errors), and it is
 * caught up only when the follower really is: until then the tensor consumer waits.
 */
@ApplicationScoped
public class PredictionLedger {

    private static final Logger LOG = Logger.getLogger(PredictionLedger.class);

    @Inject
    PipelineGraph graph;

    @Inject
    PredictConfig config;

    @Inject
    EndpointWatcher endpoints;

    @Inject
    TopicFollowers followers;

    private final Object signal = new Object();
    private Map<String, String> predictionByTensor;
    private volatile TopicFollower follower;

    void start(@Observes StartupEvent event) {
        int max = config.ledger().maxEntries();
        synchronized (signal) {
            predictionByTensor = new LinkedHashMap<>(1024, 0.75f, false) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
                    return size() > max;
                }
            };
        }
        String topic = graph.topic(Predictions.TASK, Predictions.OUTPUT);
        long started = System.nanoTime();
        follower = followers.follower("predict-prediction-ledger").topics(topic).startAt(StartAt.since(config.ledger().window()))
            .maxPollRecords(2000)
            // Another instance's predictions may reach the ledger up to 100 ms late; fetches wait for 64 KB or 100 ms, so the broker
            // answers about ten a second instead of one per prediction
            .kafkaSetting(ConsumerConfig.FETCH_MIN_BYTES_CONFIG, 65536).kafkaSetting(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 100)
            .apply(this::apply).start();
        follower.caughtUp().thenRun(() -> {
            LOG.infof("read %d predictions of the last %s from %s in %d ms: a tensor delivered again is not predicted twice",
                follower.applied(), config.ledger().window(), topic, (System.nanoTime() - started) / 1_000_000);
            synchronized (signal) {
                signal.notifyAll();
            }
        });
    }

    /** The prediction already made of a tensor, if this ledger knows of one. */
    public Optional<String> predictionOf(String tensorId) {
        synchronized (signal) {
            return Optional.ofNullable(predictionByTensor.get(tensorId));
        }
    }

    /** Records predictions this instance published (and Kafka acknowledged). */
    public void remember(List<AnnotatedValue> predictions) {
        synchronized (signal) {
            predictions.forEach(p -> put(ValueEnvelope.of(p)));
        }
    }

    /** Whether the topic's tail has been read up to where it stood at start-up. */
    public boolean caughtUp() {
        TopicFollower f = follower;
        return f != null && f.isCaughtUp();
    }

    /** Waits until the ledger has caught up or the service stops; returns whether it caught up. */
    public boolean awaitCaughtUp(Duration statusInterval) {
        long nextLog = System.nanoTime();
        while (!caughtUp() && !endpoints.stopping()) {
            if (System.nanoTime() >= nextLog) {
                LOG.infof("waiting until the predictions of the last %s are read, so that no tensor is predicted twice",
                    config.ledger().window());
                nextLog = System.nanoTime() + statusInterval.toNanos();
            }
            synchronized (signal) {
                try {
                    if (!caughtUp()) {
                        signal.wait(500);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
        }
        return caughtUp();
    }

    private void put(ValueEnvelope prediction) {
        for (String tensor : prediction.sourceIds(Predictions.TENSOR_INPUT)) {
            predictionByTensor.putIfAbsent(tensor, prediction.id());
        }
    }

    private void apply(FollowedRecord record) {
        if (record.value() == null) {
            return;
        }
        // Only id and lineage are needed: read from the envelope headers; the payload is decoded only for a record without them
        ValueEnvelope prediction = ValueRecords.envelope(record.headers())
            .orElseGet(() -> ValueEnvelope.of(ValueRecords.decode(record.headers(), record.value())));
        synchronized (signal) {
            put(prediction);
        }
    }
}
