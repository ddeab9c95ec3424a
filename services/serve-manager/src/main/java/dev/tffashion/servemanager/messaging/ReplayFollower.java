package dev.tffashion.servemanager.messaging;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.jboss.logging.Logger;

import dev.tffashion.pipeline.contracts.replay.ReplayReport;
import dev.tffashion.pipeline.contracts.replay.ReplayRequest;
import dev.tffashion.pipeline.graph.PipelineGraph;
import dev.tffashion.pipeline.quarkus.KafkaClientConfig;
import dev.tffashion.pipeline.quarkus.PipelineConfig;
import dev.tffashion.pipeline.quarkus.follow.FollowedRecord;
import dev.tffashion.pipeline.quarkus.follow.StartAt;
import dev.tffashion.pipeline.quarkus.follow.TopicFollowers;
import dev.tffashion.servemanager.ServeManager;
import dev.tffashion.servemanager.ServeStartup;
import dev.tffashion.servemanager.config.ServingConfig;
import dev.tffashion.servemanager.replay.ReplayHolds;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.common.annotation.Identifier;

/**
 * Keeps the version a running replay asks loaded (README, "Replay"): follows {@code <pipeline>.replay.request} (file-drop's
 * {@code POST /v1/replay}) and {@code <pipeline>.replay.report} (predict's replay job) from their beginning into
 * {@link ReplayHolds}, and after each record (and every {@code serving.replay.check-interval}) hands the running replays to
 * {@link ServeManager#replays}, which gives the model server their versions beside the live one. Every replica follows; only the
 * leader acts. A replay to a version that is not installed is failed here: its report, written with the replay's own
 * transactional id (so a predict that runs it is fenced and stops), says which versions can be replayed.
 */
@ApplicationScoped
public class ReplayFollower {

    private static final Logger LOG = Logger.getLogger(ReplayFollower.class);

    @Inject
    PipelineGraph graph;

    @Inject
    PipelineConfig pipeline;

    @Inject
    TopicFollowers followers;

    @Inject
    ServeManager manager;

    @Inject
    ServeStartup startup;

    @Inject
    ServingConfig config;

    @Inject
    @Identifier("default-kafka-broker")
    Map<String, Object> kafka;

    private final ScheduledExecutorService checks = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "serve-replays");
        t.setDaemon(true);
        return t;
    });
    private final AtomicBoolean checkQueued = new AtomicBoolean();
    private volatile ReplayHolds holds;

    void start(@Observes StartupEvent event) {
        holds = new ReplayHolds(config.replay().holdWithoutProgress());
        followers.follower("serve-replays").topics(graph.replayRequestTopic(), graph.replayReportTopic()).startAt(StartAt.beginning())
            .apply(this::record).start();
        long every = Math.max(100, config.replay().checkInterval().toMillis());
        checks.scheduleWithFixedDelay(this::check, every, every, TimeUnit.MILLISECONDS);
    }

    @PreDestroy
    void stop() {
        checks.shutdownNow();
    }

    /** The replays this replica knows of (for tests and status). */
    public ReplayHolds holds() {
        return holds;
    }

    private void record(FollowedRecord record) {
        if (record.key() == null) {
            return;
        }
        try {
            if (graph.replayRequestTopic().equals(record.topic())) {
                holds.requested(record.key(), record.value() == null ? null : ReplayRequest.fromJson(record.value()), record.timestamp());
            } else {
                holds.reported(record.key(), record.value() == null ? null : ReplayReport.fromJson(record.value()), record.timestamp());
            }
        } catch (RuntimeException e) {
            LOG.warnf("ignoring record %s at %s: %s", record.key(), record.where(), e.getMessage());
            return;
        }
        queueCheck();
    }

    private void queueCheck() {
        if (checkQueued.compareAndSet(false, true)) {
            try {
                checks.execute(() -> {
                    checkQueued.set(false);
                    check();
                });
            } catch (RejectedExecutionException e) {
                checkQueued.set(false); // stopping
            }
        }
    }

    /** Hands the running replays to the serve flow; fails those whose version cannot be served. */
    private void check() {
        try {
            if (!startup.leading() || !manager.started()) {
                return;
            }
            List<ReplayHolds.Running> running = holds.running(Instant.now());
            Map<ReplayHolds.Running, String> refused = manager.replays(running);
            refused.forEach(this::fail);
        } catch (RuntimeException e) {
            LOG.warnf("replays: %s (looked at again within %s)", e.getMessage(), config.replay().checkInterval());
        }
    }

    /** Writes the replay's failed report with the replay's transactional id, which fences a predict that runs it. */
    private void fail(ReplayHolds.Running replay, String reason) {
        ReplayReport last = replay.report();
        Instant now = Instant.now();
        ReplayReport failed = last == null
            ? new ReplayReport(replay.id(), replay.request(), ReplayReport.State.FAILED, reason, config.modelName(), now, now,
                new ReplayReport.Counts(0, 0, 0, 0, 0, 0, 0, 0, 0), null, null, new ReplayReport.Checkpoint(null, null), null)
            : new ReplayReport(last.replayId(), last.request(), ReplayReport.State.FAILED, reason, last.modelName(), last.startedAt(),
                now, last.counts(), last.perClass(), last.changes(), last.checkpoint(), last.details());
        Map<String, Object> props = new HashMap<>(KafkaClientConfig.producer(kafka));
        props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, graph.replayTransactionalId(replay.id()));
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, (int) Duration.ofSeconds(30).toMillis());
        props.put(ProducerConfig.CLIENT_ID_CONFIG, graph.name() + "-serve-replay-refusal-" + pipeline.instanceName());
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer())) {
            producer.initTransactions();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(graph.replayReportTopic(), replay.id(), failed.toJson()));
            producer.commitTransaction();
            holds.reported(replay.id(), failed, now.toEpochMilli());
            LOG.warnf("replay %s (%s) failed: %s", replay.id(), replay.request().describe(), reason);
        } catch (RuntimeException e) {
            LOG.warnf("cannot report replay %s as failed (tried again within %s): %s", replay.id(), config.replay().checkInterval(),
                e.getMessage());
        }
        manager.replayRefused(reason);
    }
}
