package dev.tffashion.servemanager.messaging;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.jboss.logging.Logger;

import dev.tffashion.pipeline.AnnotatedValue;
import dev.tffashion.pipeline.MalformedValueException;
import dev.tffashion.pipeline.RefusedException;
import dev.tffashion.pipeline.graph.PipelineGraph;
import dev.tffashion.pipeline.kafka.ValueRecords;
import dev.tffashion.pipeline.quarkus.AcknowledgedProducer;
import dev.tffashion.pipeline.quarkus.AcknowledgedSend.NotAcknowledgedException;
import dev.tffashion.pipeline.quarkus.KafkaClientConfig;
import dev.tffashion.pipeline.quarkus.PipelineConfig;
import dev.tffashion.pipeline.quarkus.task.DeadLetters;
import dev.tffashion.servemanager.ServeManager;
import dev.tffashion.servemanager.config.ServingConfig;
import io.smallrye.common.annotation.Identifier;

/**
 * Consumes {@code <pipeline>.learn.model} (group {@code <pipeline>-serve}), one model at a time, <em>only while this replica leads</em>:
 * the leader starts it and a replica that loses the leadership stops it, so a standby never holds a partition of the models topic
 * (a SmallRye channel would join the group at start-up on every replica). A record without a value is skipped; a record that is not
 * an annotated value ({@code MALFORMED_VALUE}) or a model that is refused (a {@code RefusedException}, whose code is its kind) goes
 * to {@code <pipeline>.serve.dlq} with the headers SmallRye's dead-letter strategy writes ({@code dead-letter-reason},
 * {@code -topic}, {@code -partition}, {@code -offset}, {@code -cause}) and {@code dead-letter-code}. The offset is committed after
 * the endpoint value (or the dead letter) was acknowledged by Kafka; a Kafka failure starts a new consumer after a pause, at the
 * last committed offset.
 */
@ApplicationScoped
public class ModelConsumer {

    private static final Logger LOG = Logger.getLogger(ModelConsumer.class);
    private static final Duration POLL = Duration.ofMillis(500);
    private static final Duration SEND_TIMEOUT = Duration.ofSeconds(30);

    @Inject
    ServeManager manager;

    @Inject
    PipelineGraph graph;

    @Inject
    PipelineConfig pipeline;

    @Inject
    ServingConfig config;

    /** Every {@code kafka.*} property (bootstrap servers, security), as Quarkus collects them for Kafka clients. */
    @Inject
    @Identifier("default-kafka-broker")
    Map<String, Object> kafka;

    private volatile boolean running;
    private volatile Thread thread;
    private volatile KafkaConsumer<String, byte[]> consumer;
    /** Creates its Kafka producer at the first dead letter, and again after {@link #stop} closed it. */
    private AcknowledgedProducer deadLetters;

    @PostConstruct
    void init() {
        deadLetters = new AcknowledgedProducer(kafka, "serve-dlq-" + pipeline.instanceName());
    }

    /** Starts consuming (the leader calls it once it leads); a second call does nothing. */
    public synchronized void start() {
        if (thread != null) {
            return;
        }
        running = true;
        thread = new Thread(this::run, "serve-models");
        thread.setDaemon(true);
        thread.start();
    }

    /** Stops consuming at once: the model being installed is left unacknowledged (the next leader sees it again). */
    @PreDestroy
    public synchronized void stop() {
        running = false;
        KafkaConsumer<String, byte[]> c = consumer;
        if (c != null) {
            c.wakeup();
        }
        Thread t = thread;
        if (t != null && t != Thread.currentThread()) {
            try {
                t.join(Duration.ofSeconds(10).toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        thread = null;
        deadLetters.close();
    }

    /** Whether the consumer runs (this replica leads). */
    public boolean running() {
        return running;
    }

    /** The topic consumed. */
    public String topic() {
        return graph.topic("learn", "model");
    }

    private void run() {
        long backoff = 500;
        while (running) {
            try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(consumerConfig())) {
                consumer = c;
                c.subscribe(List.of(topic()));
                LOG.infof("consuming %s as group %s", topic(), group());
                while (running) {
                    for (ConsumerRecord<String, byte[]> record : c.poll(POLL)) {
                        if (!running) {
                            return;
                        }
                        handle(record);
                        c.commitSync(Map.of(new TopicPartition(record.topic(), record.partition()),
                                new OffsetAndMetadata(record.offset() + 1)));
                    }
                    backoff = 500;
                }
            } catch (WakeupException e) {
                if (running) {
                    LOG.warn("the models consumer was woken up unexpectedly; starting a new one");
                }
            } catch (KafkaException e) {
                if (!running) {
                    return;
                }
                LOG.warnf("the models consumer failed (%s); a new one starts in %d ms at the last committed offset", e.getMessage(),
                        backoff);
                try {
                    Thread.sleep(backoff);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    return;
                }
                backoff = Math.min(backoff * 2, 30_000);
            } finally {
                consumer = null;
            }
        }
    }

    private void handle(ConsumerRecord<String, byte[]> record) {
        if (record.value() == null) {
            LOG.debugf("skipping a tombstone (a record without value) on %s", record.topic());
            return;
        }
        AnnotatedValue model;
        try {
            model = ValueRecords.decode(record.headers(), record.value());
            if (model == null) {
                throw new MalformedValueException("the record's value is JSON null, not an annotated value");
            }
        } catch (RuntimeException e) {
            RefusedException refusal = e instanceof RefusedException r ? r : new RefusedException(RefusedException.MALFORMED_VALUE,
                    "record " + record.key() + " is not a value: " + e.getMessage(), e);
            manager.refusedRecord(refusal.getMessage());
            deadLetter(record, refusal);
            return;
        }
        try {
            manager.handle(model);
        } catch (RefusedException e) {
            deadLetter(record, e);
        } catch (RuntimeException e) {
            LOG.errorf(e, "unexpected failure on record %s; dead-lettering it", record.key());
            deadLetter(record, new RefusedException("UNEXPECTED", "record " + record.key() + " failed unexpectedly: " + e, e));
        }
    }

    /** Sends the dead letter and waits for Kafka's acknowledgement (a failure leaves the record uncommitted). */
    private void deadLetter(ConsumerRecord<String, byte[]> record, RefusedException refusal) {
        RecordHeaders headers = new RecordHeaders(record.headers().toArray());
        put(headers, DeadLetters.CODE, refusal.code());
        put(headers, DeadLetters.REASON, refusal.getMessage());
        put(headers, "dead-letter-topic", record.topic());
        put(headers, "dead-letter-partition", Integer.toString(record.partition()));
        put(headers, "dead-letter-offset", Long.toString(record.offset()));
        Throwable cause = refusal.getCause();
        if (cause != null && cause.getMessage() != null) {
            put(headers, "dead-letter-cause", cause.getMessage());
        }
        String topic = graph.deadLetterTopic(ServeManager.TASK);
        try {
            deadLetters.send(new ProducerRecord<>(topic, null, record.key(), record.value(), headers), SEND_TIMEOUT);
            LOG.infof("model record %s dead-lettered to %s: %s", record.key(), topic, refusal.getMessage());
        } catch (NotAcknowledgedException e) {
            throw new KafkaException("the dead letter of " + record.key() + " was not stored: " + e.getMessage(), e);
        }
    }

    private static void put(RecordHeaders headers, String name, String value) {
        headers.remove(name);
        headers.add(name, value.getBytes(StandardCharsets.UTF_8));
    }

    private String group() {
        return graph.name() + "-serve";
    }

    private Map<String, Object> consumerConfig() {
        Map<String, Object> props = new HashMap<>(KafkaClientConfig.consumer(kafka));
        props.put(ConsumerConfig.GROUP_ID_CONFIG, group());
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, "serve-models-" + pipeline.instanceName());
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 1);
        // A killed leader's membership ends within the session timeout, so the next leader gets the models topic soon after.
        props.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, (int) config.leader().sessionTimeout().toMillis());
        props.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, (int) Math.max(100, config.leader().sessionTimeout().toMillis() / 6));
        props.put(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG, (int) Math.min(Integer.MAX_VALUE,
                config.leader().maxInstallTime().toMillis()));
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        return props;
    }
}
