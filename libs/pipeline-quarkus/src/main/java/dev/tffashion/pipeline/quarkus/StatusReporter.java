package dev.tffashion.pipeline.quarkus;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.jboss.logging.Logger;

import dev.tffashion.pipeline.graph.PipelineGraph;
import dev.tffashion.pipeline.kafka.StatusEventSerde;
import dev.tffashion.pipeline.status.StatusEvent;
import dev.tffashion.pipeline.status.TaskState;
import io.smallrye.common.annotation.Identifier;

/**
 * Publishes this replica's task status on the compacted {@code <pipeline>.status} topic, keyed by task and instance
 * ({@code <task>/<instance>}, the instance being {@link PipelineConfig#instanceName()}), so replicas of one task do not overwrite
 * each other; readers aggregate them per task ({@code dev.tffashion.pipeline.status.TaskStatus}). Running counters per task
 * (consumed, produced, failed, ...) are this replica's. The latest event of each task is also kept in memory for health and REST
 * answers, and published again every {@code tf-fashion.status.heartbeat} with a new {@code heartbeatAt}: a replica that stops
 * publishing (killed) is seen as stale by readers.
 * Events of one task are coalesced: at most one record per {@code tf-fashion.status.min-interval} (default 200 ms) per task; an
 * event reported sooner waits and is replaced by a newer one, so the topic always ends with the latest state, at most that interval
 * late, and a busy task (a picture every few milliseconds) does not send a status record per picture. Its producer's settings,
 * security included, come from Quarkus's Kafka configuration ({@link KafkaClientConfig#producer}).
 * Reporting never waits for Kafka: every record is sent by the reporter's own thread ({@code status-flush}). A producer's
 * {@code send} blocks while the topic's metadata is unknown (the broker down), and callers report from HTTP request threads and
 * task runners: a drop answered {@code 503} after its publish timeout would otherwise wait for the status send too, and every
 * other caller behind it. While Kafka is away, events of a task keep replacing each other; the latest is sent once it is back.
 */
@ApplicationScoped
public class StatusReporter {

    private static final Logger LOG = Logger.getLogger(StatusReporter.class);

    /** How long a status send may wait for the topic's metadata (Kafka down) unless Kafka's settings say otherwise. */
    static final Duration MAX_BLOCK = Duration.ofSeconds(5);

    private final ConcurrentMap<String, ConcurrentMap<String, AtomicLong>> counters = new ConcurrentHashMap<>();
    private final ConcurrentMap<String, StatusEvent> last = new ConcurrentHashMap<>();

    @Inject
    PipelineGraph graph;

    /** Every {@code kafka.*} property (bootstrap servers, security), as Quarkus collects them for Kafka clients. */
    @Inject
    @Identifier("default-kafka-broker")
    Map<String, Object> kafka;

    @Inject
    PipelineConfig config;

    private final Map<String, Long> lastSent = new HashMap<>();
    private final Map<String, StatusEvent> pending = new HashMap<>();
    private final ScheduledExecutorService flusher = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "status-flush");
        thread.setDaemon(true);
        return thread;
    });

    private volatile Producer<String, StatusEvent> producer;
    private volatile String instance;

    @PostConstruct
    void init() {
        instance = config.instanceName();
        long heartbeat = config.status().heartbeat().toMillis();
        if (heartbeat > 0) {
            flusher.scheduleWithFixedDelay(this::heartbeat, heartbeat, heartbeat, TimeUnit.MILLISECONDS);
        }
    }

    /** This replica's name in status events. */
    public String instance() {
        return instance;
    }

    /** Publishes a state with a reason and task-specific details; counters are attached. The task must be one of the graph. */
    public StatusEvent report(String task, TaskState state, String reason, Double progress, Map<String, Object> details) {
        graph.task(task);
        return publish(task, state, reason, progress, details);
    }

    /**
     * Publishes the state of a job of the service that is not a task of the graph (predict's {@code replay}), the same way as
     * {@link #report}: the status topic, coalesced, with heartbeats. Its name must not be a task of the graph.
     */
    public StatusEvent reportJob(String job, TaskState state, String reason, Double progress, Map<String, Object> details) {
        if (graph.findTask(job).isPresent()) {
            throw new IllegalArgumentException("'" + job + "' is a task of pipeline " + graph.name() + ": report it with report()");
        }
        return publish(job, state, reason, progress, details);
    }

    private StatusEvent publish(String task, TaskState state, String reason, Double progress, Map<String, Object> details) {
        Instant at = Instant.now();
        StatusEvent event = new StatusEvent(task, state, reason, progress, snapshot(task), at, details, instance, at);
        last.put(task, event);
        long now = System.nanoTime();
        long interval = Math.max(0, config.status().minInterval().toNanos());
        synchronized (pending) {
            if (pending.put(task, event) == null) {
                Long sent = lastSent.get(task);
                long delay = sent == null ? 0 : Math.max(0, interval - (now - sent));
                try {
                    flusher.schedule(() -> flush(task), delay, TimeUnit.NANOSECONDS);
                } catch (RejectedExecutionException stopped) {
                    pending.remove(task); // closing: close() sends what is pending
                }
            }
        }
        return event;
    }

    /** On the flusher thread: sends the task's pending event, the latest reported. */
    private void flush(String task) {
        StatusEvent event;
        synchronized (pending) {
            event = pending.remove(task);
            if (event == null) {
                return;
            }
            lastSent.put(task, System.nanoTime());
        }
        send(event);
    }

    /** On the flusher thread: each task's latest event again with a new heartbeat time, unless a newer one waits to be sent. */
    private void heartbeat() {
        try {
            List<StatusEvent> beats = new ArrayList<>();
            synchronized (pending) {
                for (StatusEvent event : last.values()) {
                    if (!pending.containsKey(event.task())) {
                        beats.add(event.withHeartbeat(Instant.now()));
                    }
                }
            }
            beats.forEach(this::send);
        } catch (RuntimeException e) {
            LOG.warnf("could not publish the status heartbeat: %s", e.getMessage());
        }
    }

    private void send(StatusEvent event) {
        try {
            producer().send(new ProducerRecord<>(graph.statusTopic(), event.key(), event), (metadata, error) -> {
                if (error != null) {
                    LOG.warnf("could not publish status of %s (%s): %s", event.task(), event.state().wireName(), error.getMessage());
                }
            });
        } catch (RuntimeException e) {
            LOG.warnf("could not publish status of %s (%s): %s", event.task(), event.state().wireName(), e.getMessage());
        }
    }

    public StatusEvent report(String task, TaskState state, String reason) {
        return report(task, state, reason, null, Map.of());
    }

    /** Adds one to a task's counter and returns the new total. */
    public long increment(String task, String counter) {
        return increment(task, counter, 1);
    }

    /** Adds to a task's counter and returns the new total. */
    public long increment(String task, String counter, long delta) {
        return counters.computeIfAbsent(task, t -> new ConcurrentHashMap<>()).computeIfAbsent(counter, c -> new AtomicLong())
                .addAndGet(delta);
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
                    Map<String, Object> props = new HashMap<>(KafkaClientConfig.producer(kafka));
                    props.put(ProducerConfig.ACKS_CONFIG, "all");
                    props.put(ProducerConfig.LINGER_MS_CONFIG, 0);
                    props.put(ProducerConfig.CLIENT_ID_CONFIG, "status-" + graph.name() + "-" + instance);
                    // send() waits this long at most for metadata (the broker down); only the flusher thread and close() wait
                    props.putIfAbsent(ProducerConfig.MAX_BLOCK_MS_CONFIG, (int) MAX_BLOCK.toMillis());
                    producer = new KafkaProducer<>(props, new StringSerializer(), new StatusEventSerde.StatusEventSerializer());
                }
                p = producer;
            }
        }
        return p;
    }

    /**
     * Sends what is pending (the final states) and closes the producer, all under one deadline of {@link #MAX_BLOCK}: what is
     * not sent by then is dropped. With Kafka away, a send started before the deadline may itself wait the producer's
     * {@code max.block.ms} (also {@link #MAX_BLOCK}) for metadata, so closing takes at most twice {@link #MAX_BLOCK}.
     */
    @PreDestroy
    void close() {
        long deadline = System.nanoTime() + MAX_BLOCK.toNanos();
        flusher.shutdownNow();
        try {
            flusher.awaitTermination(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        List<StatusEvent> finalStates;
        synchronized (pending) {
            finalStates = new ArrayList<>(pending.values());
            pending.clear();
        }
        for (StatusEvent event : finalStates) {
            if (System.nanoTime() < deadline) {
                send(event);
            }
        }
        if (producer != null) {
            producer.close(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
        }
    }
}
