package dev.tffashion.servemanager.messaging;

import java.time.Duration;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import dev.tffashion.pipeline.AnnotatedValue;
import dev.tffashion.pipeline.contracts.PredictionValue;
import dev.tffashion.pipeline.contracts.RolloutCommand;
import dev.tffashion.pipeline.contracts.ShadowPrediction;
import dev.tffashion.pipeline.graph.PipelineGraph;
import dev.tffashion.pipeline.kafka.ValueRecords;
import dev.tffashion.pipeline.quarkus.follow.FollowedRecord;
import dev.tffashion.pipeline.quarkus.follow.StartAt;
import dev.tffashion.pipeline.quarkus.follow.TopicFollowers;
import dev.tffashion.servemanager.ServeManager;
import dev.tffashion.servemanager.ServeStartup;
import dev.tffashion.servemanager.config.ServingConfig;
import io.quarkus.runtime.StartupEvent;

/**
 * Feeds the rollout of the leader: follows {@code <pipeline>.predict.shadow} (the challenger's predictions, counted by the promotion
 * gate) and {@code <pipeline>.serve.control} (promote and rollback by hand, from file-drop; commands written from start-up on).
 * Every replica follows both; only the leader acts, so a standby never changes what is served.
 */
@ApplicationScoped
public class RolloutFollower {

    private static final Logger LOG = Logger.getLogger(RolloutFollower.class);

    @Inject
    PipelineGraph graph;

    @Inject
    TopicFollowers followers;

    @Inject
    ServeManager manager;

    @Inject
    ServeStartup startup;

    @Inject
    ServingConfig config;

    void start(@Observes StartupEvent event) {
        followers.follower("serve-rollout-shadow").topics(graph.shadowTopic()).startAt(StartAt.beginning()).apply(this::shadow)
            .start();
        followers.follower("serve-rollout-control").topics(graph.rolloutControlTopic()).startAt(StartAt.since(Duration.ZERO))
            .apply(this::command).start();
    }

    private void shadow(FollowedRecord record) {
        if (record.value() == null || !startup.leading() || manager.trial().isEmpty()) {
            return;
        }
        try {
            AnnotatedValue value = ValueRecords.decode(record.headers(), record.value());
            if (!config.modelName().equals(value.annotation(PredictionValue.MODEL_NAME))) {
                return;
            }
            manager.shadowPrediction(Long.parseLong(value.annotation(ShadowPrediction.LIVE_VERSION)),
                Long.parseLong(value.annotation(PredictionValue.MODEL_VERSION)), value.sourceIds(PredictionValue.TENSOR_INPUT).get(0),
                Integer.parseInt(value.annotation(ShadowPrediction.LIVE_LABEL)), Integer.parseInt(value.annotation(PredictionValue.LABEL)),
                micros(value.annotation(ShadowPrediction.LIVE_MICROS)), micros(value.annotation(ShadowPrediction.CHALLENGER_MICROS)));
        } catch (RuntimeException e) {
            LOG.warnf("ignoring shadow record %s at %s: %s", record.key(), record.where(), e.getMessage());
        }
    }

    private static long micros(String text) {
        return text == null ? -1 : Long.parseLong(text);
    }

    private void command(FollowedRecord record) {
        if (record.value() == null || !startup.leading()) {
            return;
        }
        RolloutCommand command;
        try {
            command = RolloutCommand.from(record.value());
        } catch (RuntimeException e) {
            LOG.warnf("ignoring record %s at %s: %s", record.key(), record.where(), e.getMessage());
            return;
        }
        if (!config.modelName().equals(command.modelName())) {
            manager.commandRefused("command " + command.id() + " names model '" + command.modelName() + "'; this serve-manager serves '"
                + config.modelName() + "'");
            return;
        }
        String by = "command " + command.id();
        try {
            if (RolloutCommand.PROMOTE.equals(command.action())) {
                manager.promote(by);
            } else {
                manager.rollback(command.version(), by);
            }
            LOG.infof("rollout %s done (%s)", command.action(), by);
        } catch (RuntimeException e) {
            LOG.warnf("rollout %s refused (%s): %s", command.action(), by, e.getMessage());
            manager.commandRefused(command.action() + " refused (" + by + "): " + e.getMessage());
        }
    }
}
