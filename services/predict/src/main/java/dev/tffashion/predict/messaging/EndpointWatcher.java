package dev.tffashion.predict.messaging;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

import jakarta.annotation.PreDestroy;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.interceptor.Interceptor;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.jboss.logging.Logger;

import dev.tffashion.pipeline.graph.PipelineGraph;
import dev.tffashion.pipeline.kafka.ValueRecords;
import dev.tffashion.pipeline.store.ContentStore;
import dev.tffashion.predict.Endpoint;
import dev.tffashion.predict.Predictions;
import dev.tffashion.predict.client.TfServingClient;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.common.annotation.Identifier;

/**
 * Follows the compacted {@code <pipeline>.serve.endpoint} topic and keeps the latest endpoint (the last record, by timestamp). Every
 * instance reads the whole topic from the beginning without a consumer group. Waiters (the tensor consumer) are woken when the
 * endpoint changes or the service stops.
 */
@ApplicationScoped
public class EndpointWatcher {

    private static final Logger LOG = Logger.getLogger(EndpointWatcher.class);

    @Inject
    PipelineGraph graph;

    @Inject
    ContentStore store;

    @Inject
    TfServingClient client;

    @Inject
    TaskStatus status;

    /** Every {@code kafka.*} property (bootstrap servers, security), as Quarkus collects them for Kafka clients. */
    @Inject
    @Identifier("default-kafka-broker")
    Map<String, Object> kafkaConfig;

    private final Object signal = new Object();
    private volatile Endpoint current;
    private volatile long currentTimestamp = Long.MIN_VALUE;
    private volatile boolean caughtUp;
    private volatile boolean stopping;
    private volatile KafkaConsumer<String, byte[]> consumer;
    private volatile Thread thread;

    void start(@Observes StartupEvent event) {
        thread = new Thread(this::run, "endpoint-watcher");
        thread.setDaemon(true);
        thread.start();
    }

    /** The latest endpoint, if serve has announced one. */
    public Optional<Endpoint> current() {
        return Optional.ofNullable(current);
    }

    /** Whether the topic has been read up to where it stood at start-up (before that, an older endpoint may be current). */
    public boolean caughtUp() {
        return caughtUp;
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
        boolean wasCaughtUp = caughtUp;
        synchronized (signal) {
            while (!stopping && current == known && caughtUp == wasCaughtUp) {
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

    private void run() {
        String topic = graph.inputTopic(Predictions.TASK, Predictions.ENDPOINT_INPUT);
        Properties props = new Properties();
        kafkaConfig.forEach((key, value) -> {
            if (ConsumerConfig.configNames().contains(key) || key.startsWith("sasl.") || key.startsWith("ssl.")) {
                props.put(key, value);
            }
        });
        props.remove(ConsumerConfig.GROUP_ID_CONFIG);
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, "predict-endpoint-watcher");
        try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer())) {
            consumer = c;
            List<TopicPartition> partitions = partitions(c, topic);
            c.assign(partitions);
            c.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = c.endOffsets(partitions);
            LOG.infof("reading the latest endpoint from %s", topic);
            while (!stopping) {
                for (ConsumerRecord<String, byte[]> record : c.poll(Duration.ofMillis(500))) {
                    apply(record);
                }
                if (!caughtUp && end.entrySet().stream().allMatch(e -> c.position(e.getKey()) >= e.getValue())) {
                    caughtUp = true;
                    if (current == null) {
                        status.waiting("no model is served yet: tensors wait on Kafka until serve announces an endpoint");
                    } else {
                        status.idle("model " + current.describe() + " announced; waiting for tensors", Map.of("model",
                            current.modelName(), "grpcTarget", current.grpcTarget()));
                    }
                    signalAll();
                }
            }
        } catch (WakeupException e) {
            LOG.debug("endpoint watcher stopped");
        } catch (RuntimeException e) {
            LOG.errorf(e, "endpoint watcher stopped on an error; predict keeps the endpoint it had (%s): %s",
                current == null ? "none" : current.describe(), e.getMessage());
            status.failed("cannot follow " + topic + ": " + e.getMessage());
        }
    }

    private List<TopicPartition> partitions(KafkaConsumer<String, byte[]> c, String topic) {
        List<TopicPartition> partitions = new ArrayList<>();
        while (partitions.isEmpty() && !stopping) {
            List<PartitionInfo> infos = c.partitionsFor(topic, Duration.ofSeconds(30));
            if (infos != null) {
                infos.forEach(p -> partitions.add(new TopicPartition(p.topic(), p.partition())));
            }
            if (partitions.isEmpty()) {
                LOG.warnf("topic %s does not exist yet; retrying", topic);
            }
        }
        return partitions;
    }

    private void apply(ConsumerRecord<String, byte[]> record) {
        if (record.value() == null) {
            return;
        }
        Endpoint endpoint;
        try {
            endpoint = Endpoint.of(ValueRecords.decode(record.headers(), record.value()), store);
        } catch (RuntimeException e) {
            LOG.warnf("ignoring record %s of %s at offset %d: not a usable endpoint: %s (predict keeps %s)", record.key(),
                record.topic(), record.offset(), e.getMessage(), current == null ? "waiting" : current.describe());
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
            if (caughtUp) {
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

    @PreDestroy
    void stop() {
        stopping = true;
        signalAll();
        KafkaConsumer<String, byte[]> c = consumer;
        if (c != null) {
            c.wakeup();
        }
        Thread t = thread;
        if (t != null) {
            try {
                t.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
