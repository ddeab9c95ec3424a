package dev.tffashion.pipeline.quarkus;

import java.time.Instant;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicLong;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import dev.tffashion.pipeline.graph.PipelineGraph;
import dev.tffashion.pipeline.kafka.StatusEventSerde;
import dev.tffashion.pipeline.status.StatusEvent;
import dev.tffashion.pipeline.status.TaskState;

/**
 * Publishes this service's task status on the compacted {@code <pipeline>.status} topic (key = task name), with running counters
 * per task (consumed, produced, failed, ...). The latest event of each task is also kept in memory for health and REST answers.
 */
@ApplicationScoped
public class StatusReporter {

    private static final Logger LOG = Logger.getLogger(StatusReporter.class);

    private final ConcurrentMap<String, ConcurrentMap<String, AtomicLong>> counters = new ConcurrentHashMap<>();
    private final ConcurrentMap<String, StatusEvent> last = new ConcurrentHashMap<>();

    @Inject
    PipelineGraph graph;

    @ConfigProperty(name = "kafka.bootstrap.servers", defaultValue = "localhost:9092")
    String bootstrap;

    private volatile Producer<String, StatusEvent> producer;

    /** Publishes a state with a reason and task-specific details; counters are attached. */
    public StatusEvent report(String task, TaskState state, String reason, Double progress, Map<String, Object> details) {
        graph.task(task);
        StatusEvent event = new StatusEvent(task, state, reason, progress, snapshot(task), Instant.now(), details);
        last.put(task, event);
        producer().send(new ProducerRecord<>(graph.statusTopic(), task, event), (metadata, error) -> {
            if (error != null) {
                LOG.warnf("could not publish status of %s (%s): %s", task, state.wireName(), error.getMessage());
            }
        });
        return event;
    }

    public StatusEvent report(String task, TaskState state, String reason) {
        return report(task, state, reason, null, Map.of());
    }

    /** Adds one to a task's counter and returns the new total. */
    public long increment(String task, String counter) {
        return counters.computeIfAbsent(task, t -> new ConcurrentHashMap<>()).computeIfAbsent(counter, c -> new AtomicLong())
                .incrementAndGet();
    }

    /** The last event this instance published for the task, or null. */
    public StatusEvent last(String task) {
        return last.get(task);
    }

    private Map<String, Long> snapshot(String task) {
        Map<String, Long> values = new java.util.TreeMap<>();
        counters.getOrDefault(task, new ConcurrentHashMap<>()).forEach((k, v) -> values.put(k, v.get()));
        return values;
    }

    private Producer<String, StatusEvent> producer() {
        Producer<String, StatusEvent> p = producer;
        if (p == null) {
            synchronized (this) {
                if (producer == null) {
                    Properties props = new Properties();
                    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
                    props.put(ProducerConfig.ACKS_CONFIG, "all");
                    props.put(ProducerConfig.LINGER_MS_CONFIG, 0);
                    props.put(ProducerConfig.CLIENT_ID_CONFIG, "status-" + graph.name());
                    producer = new KafkaProducer<>(props, new StringSerializer(), new StatusEventSerde.StatusEventSerializer());
                }
                p = producer;
            }
        }
        return p;
    }

    @PreDestroy
    void close() {
        if (producer != null) {
            producer.close(java.time.Duration.ofSeconds(5));
        }
    }
}
