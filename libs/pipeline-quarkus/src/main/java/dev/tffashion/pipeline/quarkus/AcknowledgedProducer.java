package dev.tffashion.pipeline.quarkus;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

import dev.tffashion.pipeline.quarkus.AcknowledgedSend.NotAcknowledgedException;

/**
 * A plain Kafka producer for the few records that do not flow through a task's channel (a replay request, a dead letter
 * written outside a task's batch): created on first use from Quarkus's Kafka configuration (bootstrap, TLS, SASL; see
 * {@link KafkaClientConfig#producer}), {@code acks=all}, idempotent, no linger, and each send waits for Kafka's
 * acknowledgement. Records of a task's own output go through its {@code TaskRunner} instead.
 */
public final class AcknowledgedProducer implements AutoCloseable {

    /** How long a send may block for metadata (the broker or the topic not there yet) when Kafka's settings do not say. */
    static final Duration MAX_BLOCK = Duration.ofSeconds(10);

    private final Map<String, Object> kafka;
    private final String clientId;
    private KafkaProducer<String, byte[]> producer;

    /**
     * @param kafka    Quarkus's Kafka configuration ({@code @Identifier("default-kafka-broker")})
     * @param clientId the producer's {@code client.id} (name the service, the purpose and the instance)
     */
    public AcknowledgedProducer(Map<String, Object> kafka, String clientId) {
        this.kafka = Objects.requireNonNull(kafka, "kafka");
        this.clientId = Objects.requireNonNull(clientId, "clientId");
    }

    /**
     * Sends the record and waits up to the timeout for Kafka's acknowledgement.
     *
     * @throws NotAcknowledgedException when Kafka refused the record, did not acknowledge it in time, or the wait was
     *                                  interrupted (the thread's interrupt flag is then set again); the message names the
     *                                  record's topic and key and says why
     */
    public void send(ProducerRecord<String, byte[]> record, Duration timeout) {
        String what = "the record " + record.key() + " on " + record.topic();
        try {
            producer().send(record).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            throw new NotAcknowledgedException("Kafka refused " + what + ": " + cause.getClass().getSimpleName() + ": "
                + cause.getMessage(), cause);
        } catch (TimeoutException e) {
            throw new NotAcknowledgedException("Kafka did not acknowledge " + what + " within " + timeout.toMillis() + " ms", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new NotAcknowledgedException("interrupted while waiting for Kafka to acknowledge " + what, e);
        } catch (RuntimeException e) {
            throw new NotAcknowledgedException("Kafka refused " + what + ": " + e.getClass().getSimpleName() + ": " + e.getMessage(), e);
        }
    }

    private synchronized KafkaProducer<String, byte[]> producer() {
        if (producer == null) {
            Map<String, Object> props = new HashMap<>(KafkaClientConfig.producer(kafka));
            props.put(ProducerConfig.ACKS_CONFIG, "all");
            props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
            props.put(ProducerConfig.LINGER_MS_CONFIG, 0);
            props.put(ProducerConfig.CLIENT_ID_CONFIG, clientId);
            // send() itself blocks while it waits for the topic's metadata: bounded, unless the configuration says otherwise
            props.putIfAbsent(ProducerConfig.MAX_BLOCK_MS_CONFIG, (int) MAX_BLOCK.toMillis());
            producer = new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer());
        }
        return producer;
    }

    /** Closes the producer, waiting at most 2 s for records in flight. */
    @Override
    public synchronized void close() {
        if (producer != null) {
            producer.close(Duration.ofSeconds(2));
            producer = null;
        }
    }
}
