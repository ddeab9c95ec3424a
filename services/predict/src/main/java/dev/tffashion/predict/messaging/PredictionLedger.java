package dev.tffashion.predict.messaging;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.jboss.logging.Logger;

import dev.tffashion.pipeline.AnnotatedValue;
import dev.tffashion.pipeline.graph.PipelineGraph;
import dev.tffashion.pipeline.kafka.ValueRecords;
import dev.tffashion.predict.Predictions;
import dev.tffashion.predict.config.PredictConfig;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.common.annotation.Identifier;

/**
 * Remembers which tensors already have a prediction: read from the tail of {@code <pipeline>.predict.prediction} (the last
 * {@code predict.ledger.window}, at most {@code predict.ledger.max-entries} tensors) and from this instance's own publications. A
 * tensor delivered again after a crash, a rebalance or a broker restart (its offset was not committed yet) is then not predicted a
 * second time, possibly by a newer model, which would give its image two different predictions. Every instance reads all
 * partitions without a consumer group.
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

    /** Every {@code kafka.*} property (bootstrap servers, security), as Quarkus collects them for Kafka clients. */
    @Inject
    @Identifier("default-kafka-broker")
    Map<String, Object> kafkaConfig;

    private final Object signal = new Object();
    private Map<String, String> predictionByTensor;
    private volatile boolean caughtUp;
    private volatile boolean stopping;
    private volatile KafkaConsumer<String, byte[]> consumer;
    private volatile Thread thread;

    void start(@Observes StartupEvent event) {
        int max = config.ledger().maxEntries();
        predictionByTensor = new LinkedHashMap<>(1024, 0.75f, false) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
                return size() > max;
            }
        };
        thread = new Thread(this::run, "prediction-ledger");
        thread.setDaemon(true);
        thread.start();
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
            predictions.forEach(this::put);
        }
    }

    /** Whether the topic's tail has been read up to where it stood at start-up. */
    public boolean caughtUp() {
        return caughtUp;
    }

    /** Waits until the ledger has caught up or the service stops; returns whether it caught up. */
    public boolean awaitCaughtUp(Duration statusInterval) {
        long nextLog = System.nanoTime();
        while (!caughtUp && !stopping && !endpoints.stopping()) {
            if (System.nanoTime() >= nextLog) {
                LOG.infof("waiting until the predictions of the last %s are read, so that no tensor is predicted twice",
                    config.ledger().window());
                nextLog = System.nanoTime() + statusInterval.toNanos();
            }
            synchronized (signal) {
                try {
                    if (!caughtUp) {
                        signal.wait(500);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
        }
        return caughtUp;
    }

    private void put(AnnotatedValue prediction) {
        for (String tensor : prediction.sourceIds(Predictions.TENSOR_INPUT)) {
            predictionByTensor.putIfAbsent(tensor, prediction.id());
        }
    }

    private void run() {
        String topic = graph.topic(Predictions.TASK, Predictions.OUTPUT);
        Properties props = new Properties();
        kafkaConfig.forEach((key, value) -> {
            if (ConsumerConfig.configNames().contains(key) || key.startsWith("sasl.") || key.startsWith("ssl.")) {
                props.put(key, value);
            }
        });
        props.remove(ConsumerConfig.GROUP_ID_CONFIG);
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, "predict-prediction-ledger");
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 2000);
        long started = System.nanoTime();
        int read = 0;
        try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer())) {
            consumer = c;
            List<TopicPartition> partitions = partitions(c, topic);
            c.assign(partitions);
            seekToWindow(c, partitions);
            Map<TopicPartition, Long> end = c.endOffsets(partitions);
            while (!stopping) {
                for (ConsumerRecord<String, byte[]> record : c.poll(Duration.ofMillis(500))) {
                    apply(record);
                    read++;
                }
                if (!caughtUp && end.entrySet().stream().allMatch(e -> c.position(e.getKey()) >= e.getValue())) {
                    caughtUp = true;
                    LOG.infof("read %d predictions of the last %s from %s in %d ms: a tensor delivered again is not predicted twice",
                        read, config.ledger().window(), topic, (System.nanoTime() - started) / 1_000_000);
                    synchronized (signal) {
                        signal.notifyAll();
                    }
                }
            }
        } catch (WakeupException e) {
            LOG.debug("prediction ledger stopped");
        } catch (RuntimeException e) {
            LOG.errorf(e, "prediction ledger stopped on an error: a tensor delivered again may be predicted twice: %s", e.getMessage());
            caughtUp = true;
            synchronized (signal) {
                signal.notifyAll();
            }
        }
    }

    private void seekToWindow(KafkaConsumer<String, byte[]> c, List<TopicPartition> partitions) {
        long since = System.currentTimeMillis() - config.ledger().window().toMillis();
        Map<TopicPartition, Long> query = new HashMap<>();
        partitions.forEach(p -> query.put(p, since));
        Map<TopicPartition, OffsetAndTimestamp> offsets = c.offsetsForTimes(query);
        List<TopicPartition> none = new ArrayList<>();
        for (TopicPartition partition : partitions) {
            OffsetAndTimestamp offset = offsets.get(partition);
            if (offset == null) {
                none.add(partition);
            } else {
                c.seek(partition, offset.offset());
            }
        }
        if (!none.isEmpty()) {
            // seekToEnd of an empty list would move every assigned partition to its end
            c.seekToEnd(none);
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
        try {
            AnnotatedValue prediction = ValueRecords.decode(record.headers(), record.value());
            synchronized (signal) {
                put(prediction);
            }
        } catch (RuntimeException e) {
            LOG.debugf("ignoring record %s of %s at offset %d: %s", record.key(), record.topic(), record.offset(), e.getMessage());
        }
    }

    @PreDestroy
    void stop() {
        stopping = true;
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
