package dev.tffashion.servemanager.messaging;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;

import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.jboss.logging.Logger;

import dev.tffashion.pipeline.AnnotatedValue;
import dev.tffashion.pipeline.Json;
import dev.tffashion.pipeline.graph.PipelineGraph;
import dev.tffashion.pipeline.kafka.ValueRecords;
import dev.tffashion.pipeline.quarkus.AcknowledgedProducer;
import dev.tffashion.pipeline.quarkus.AcknowledgedSend.NotAcknowledgedException;
import dev.tffashion.pipeline.quarkus.PipelineConfig;
import dev.tffashion.pipeline.quarkus.task.DeadLetters;
import dev.tffashion.servemanager.InstalledVersion;
import dev.tffashion.servemanager.ServeManager;
import io.smallrye.common.annotation.Identifier;

/**
 * Dead letters of challengers that a rollout did not promote (the gate rejected them, a newer model or a rollback superseded them):
 * to {@code <pipeline>.serve.dlq}, the model value as it came (or, after a restart, the installed version's marker), with
 * {@code dead-letter-code} ({@code rollout-<cause>}) and {@code dead-letter-reason}. A failure to send is logged, not thrown: the
 * decision is on status either way.
 */
@ApplicationScoped
public class RolloutDeadLetters {

    private static final Logger LOG = Logger.getLogger(RolloutDeadLetters.class);

    @Inject
    PipelineGraph graph;

    @Inject
    PipelineConfig pipeline;

    @Inject
    @Identifier("default-kafka-broker")
    Map<String, Object> kafka;

    private static final Duration SEND_TIMEOUT = Duration.ofSeconds(30);

    private AcknowledgedProducer producer;

    /** Dead-letters a challenger that was not promoted. */
    public void rejected(InstalledVersion challenger, AnnotatedValue model, String cause, String reason) {
        RecordHeaders headers = new RecordHeaders();
        byte[] value = model == null ? Json.toBytes(challenger) : ValueRecords.encode(model, headers);
        headers.add(DeadLetters.CODE, ("rollout-" + cause).getBytes(StandardCharsets.UTF_8));
        headers.add(DeadLetters.REASON, reason.getBytes(StandardCharsets.UTF_8));
        String topic = graph.deadLetterTopic(ServeManager.TASK);
        try {
            producer.send(new ProducerRecord<>(topic, null, challenger.modelValueId(), value, headers), SEND_TIMEOUT);
            LOG.infof("challenger v%d (model %s) dead-lettered to %s: %s", challenger.version(), challenger.modelValueId(), topic, reason);
        } catch (NotAcknowledgedException e) {
            LOG.errorf("could not dead-letter challenger v%d to %s (%s); the rejection is on status: %s", challenger.version(), topic,
                e.getMessage(), reason);
        }
    }

    @PostConstruct
    void init() {
        producer = new AcknowledgedProducer(kafka, "serve-rollout-dlq-" + pipeline.instanceName());
    }

    @PreDestroy
    void close() {
        producer.close();
    }
}
