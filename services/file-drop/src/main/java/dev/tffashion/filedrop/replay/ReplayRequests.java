package dev.tffashion.filedrop.replay;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

import dev.tffashion.filedrop.DropRefusedException;
import dev.tffashion.filedrop.config.FileDropConfig;
import dev.tffashion.pipeline.contracts.replay.ReplayRequest;
import dev.tffashion.pipeline.graph.PipelineGraph;
import dev.tffashion.pipeline.quarkus.KafkaClientConfig;
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

    private KafkaProducer<String, byte[]> producer;

    /** Publishes the request; a request Kafka did not acknowledge raises a 503 saying nothing was accepted. */
    public void publish(ReplayRequest request) {
        Duration timeout = config.publishTimeout();
        try {
            producer().send(new ProducerRecord<>(graph.replayRequestTopic(), request.id(), request.toJson()))
                .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw unavailable(e);
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            throw unavailable(e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e);
        }
    }

    private static DropRefusedException unavailable(Throwable cause) {
        return new DropRefusedException(503, "kafka-unavailable", "the replay request could not be stored on Kafka: "
            + cause.getClass().getSimpleName() + ": " + cause.getMessage(), "nothing was accepted; post the same body again (it is the "
            + "same replay)");
    }

    private synchronized KafkaProducer<String, byte[]> producer() {
        if (producer == null) {
            Map<String, Object> props = new HashMap<>(KafkaClientConfig.producer(kafka));
            props.put(ProducerConfig.ACKS_CONFIG, "all");
            props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
            props.put(ProducerConfig.CLIENT_ID_CONFIG, graph.name() + "-file-drop-replay-" + pipelineConfig.instanceName());
            producer = new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer());
        }
        return producer;
    }

    @PreDestroy
    synchronized void close() {
        if (producer != null) {
            producer.close(Duration.ofSeconds(2));
        }
    }
}
