package dev.tffashion.filedrop.replay;

import java.util.Map;

import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.apache.kafka.clients.producer.ProducerRecord;

import dev.tffashion.filedrop.DropRefusedException;
import dev.tffashion.filedrop.config.FileDropConfig;
import dev.tffashion.pipeline.contracts.replay.ReplayRequest;
import dev.tffashion.pipeline.graph.PipelineGraph;
import dev.tffashion.pipeline.quarkus.AcknowledgedProducer;
import dev.tffashion.pipeline.quarkus.AcknowledgedSend.NotAcknowledgedException;
import dev.tffashion.pipeline.quarkus.PipelineConfig;
import io.smallrye.common.annotation.Identifier;

/**
 * Publishes replay requests on the compacted {@code <pipeline>.replay.request} topic, keyed by replay id, and returns once Kafka
 * acknowledged them (acks=all); predict's replay job runs them. Its producer takes Quarkus's Kafka settings (TLS, SASL).
 */
@ApplicationScoped
public class ReplayRequests {

    @Inject
    PipelineGraph graph;

    @Inject
    PipelineConfig pipelineConfig;

    @Inject
    FileDropConfig config;

    @Inject
    @Identifier("default-kafka-broker")
    Map<String, Object> kafka;

    private AcknowledgedProducer producer;

    @PostConstruct
    void init() {
        producer = new AcknowledgedProducer(kafka, graph.name() + "-file-drop-replay-" + pipelineConfig.instanceName());
    }

    /** Publishes the request; a request Kafka did not acknowledge raises a 503 saying nothing was accepted. */
    public void publish(ReplayRequest request) {
        try {
            producer.send(new ProducerRecord<>(graph.replayRequestTopic(), request.id(), request.toJson()), config.publishTimeout());
        } catch (NotAcknowledgedException e) {
            throw new DropRefusedException(503, "kafka-unavailable", "the replay request could not be stored on Kafka: "
                + e.getMessage(), "nothing was accepted; post the same body again (it is the same replay)");
        }
    }

    @PreDestroy
    void close() {
        producer.close();
    }
}
