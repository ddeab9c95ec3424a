package dev.tffashion.predict.replay;

import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.jboss.logging.Logger;

import dev.tffashion.pipeline.contracts.replay.ReplayReport;
import dev.tffashion.pipeline.contracts.replay.ReplayRequest;
import dev.tffashion.pipeline.graph.PipelineGraph;
import dev.tffashion.pipeline.quarkus.KafkaClientConfig;
import dev.tffashion.pipeline.quarkus.PipelineConfig;
import dev.tffashion.pipeline.quarkus.StatusReporter;
import dev.tffashion.pipeline.quarkus.task.TaskOutputSerializer;
import dev.tffashion.pipeline.status.TaskState;
import dev.tffashion.pipeline.store.ContentStore;
import dev.tffashion.predict.Predictor;
import dev.tffashion.predict.messaging.EndpointWatcher;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.common.annotation.Identifier;

/**
 * Runs the replay requests of {@code <pipeline>.replay.request} (written by file-drop's {@code POST /v1/replay}), one at a time, on
 * its own thread: each is a {@link ReplayRun}. It reads the compacted request topic from the beginning at every start, so a replay
 * a crash interrupted resumes from its last checkpoint, and a finished one is skipped (its report on
 * {@code <pipeline>.replay.report} says so). Progress goes on the status topic as the task {@value #TASK}, one event per replica.
 */
@ApplicationScoped
public class ReplayJob {

    /** The task name of the replay job's status events. */
    public static final String TASK = "replay";

    private static final Logger LOG = Logger.getLogger(ReplayJob.class);

    @Inject
    PipelineGraph graph;

    @Inject
    PipelineConfig pipelineConfig;

    @Inject
    ReplayConfig config;

    @Inject
    ContentStore store;

    @Inject
    Predictor predictor;

    @Inject
    EndpointWatcher endpoints;

    @Inject
    @Identifier("default-kafka-broker")
    Map<String, Object> kafka;

    @Inject
    StatusReporter statusReporter;

    private volatile boolean stopping;
    private Thread thread;

    void start(@Observes StartupEvent event) {
        if (!config.enabled()) {
            LOG.info("the replay job is off (predict.replay.enabled=false)");
            return;
        }
        thread = new Thread(this::loop, "predict-replay");
        thread.setDaemon(true);
        thread.start();
    }

    void stop(@Observes ShutdownEvent event) {
        stopping = true;
        Thread t = thread;
        if (t != null) {
            try {
                t.join(Duration.ofSeconds(10).toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Whether the service is stopping: a run stops between steps, leaving its last checkpoint. */
    boolean stopping() {
        return stopping || endpoints.stopping();
    }

    private void loop() {
        String topic = graph.replayRequestTopic();
        Duration backoff = Duration.ofSeconds(1);
        while (!stopping()) {
            try (KafkaConsumer<String, byte[]> requests = consumer("requests")) {
                List<TopicPartition> partitions = requests.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
                requests.assign(partitions);
                requests.seekToBeginning(partitions);
                LOG.infof("replay job: reading requests from %s", topic);
                status(TaskState.IDLE, "waiting for replay requests (POST /v1/replay on file-drop)", null, Map.of());
                while (!stopping()) {
                    for (ConsumerRecord<String, byte[]> record : requests.poll(config.pollTimeout())) {
                        if (stopping()) {
                            return;
                        }
                        run(record);
                    }
                }
                return;
            } catch (RuntimeException e) {
                LOG.warnf("replay job: %s; trying again in %d s", e.getMessage(), backoff.toSeconds());
                status(TaskState.WAITING, "cannot read replay requests: " + e.getMessage(), null, Map.of());
                sleep(backoff);
                backoff = backoff.multipliedBy(2).compareTo(Duration.ofSeconds(30)) > 0 ? Duration.ofSeconds(30) : backoff.multipliedBy(2);
            }
        }
    }

    private void run(ConsumerRecord<String, byte[]> record) {
        if (record.value() == null) {
            return;
        }
        ReplayRequest request;
        try {
            request = ReplayRequest.fromJson(record.value());
        } catch (RuntimeException e) {
            LOG.warnf("replay job: ignoring the record %s at %s-%d@%d: not a replay request (%s)", record.key(), record.topic(),
                record.partition(), record.offset(), e.getMessage());
            return;
        }
        new ReplayRun(this, request, record.timestamp()).run();
    }

    /** A consumer of committed records only, without group, from Quarkus's Kafka settings. */
    KafkaConsumer<String, byte[]> consumer(String purpose) {
        Map<String, Object> props = new HashMap<>(KafkaClientConfig.consumer(kafka));
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, config.stepRecords());
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, graph.name() + "-predict-replay-" + purpose + "-" + pipelineConfig.instanceName());
        return new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer());
    }

    /** The transactional producer of one replay: its id is the replay's, so a second runner of the same replay fences the first. */
    KafkaProducer<String, Object> producer(ReplayRequest request) {
        Map<String, Object> props = new HashMap<>(KafkaClientConfig.producer(kafka));
        props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, graph.replayTransactionalId(request.id()));
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, 60_000);
        props.put(ProducerConfig.CLIENT_ID_CONFIG, graph.name() + "-predict-replay-" + request.id().substring(0, 8) + "-"
            + pipelineConfig.instanceName());
        return new KafkaProducer<>(props, new StringSerializer(), new TaskOutputSerializer());
    }

    /**
     * Publishes the replay job's state through the service's status reporter (coalesced, with its heartbeat; best effort: status
     * is for people, the report is the record of what happened).
     */
    void status(TaskState state, String reason, Double progress, Map<String, Object> details) {
        try {
            statusReporter.reportJob(TASK, state, reason, progress, new LinkedHashMap<>(details));
        } catch (RuntimeException e) {
            LOG.debugf("replay status not published: %s", e.getMessage());
        }
    }

    /** Reports a replay's report on status too. */
    void status(ReplayReport report) {
        ReplayReport.Counts c = report.counts();
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("replayId", report.replayId());
        details.put("request", report.request().describe());
        details.put("replayed", c.replayed());
        details.put("flipped", c.flipped());
        details.put("selected", c.selected());
        details.put("outOfReach", c.outOfReach());
        details.put("report", "/v1/replay/" + report.replayId());
        TaskState state = switch (report.state()) {
            case RUNNING -> TaskState.ACTIVE;
            case DONE -> TaskState.SUCCEEDED;
            case FAILED -> TaskState.FAILED;
        };
        String reason = switch (report.state()) {
            case RUNNING -> "replay " + report.replayId() + " (" + report.request().describe() + "): " + c.replayed() + " of "
                + (c.selected() - c.alreadyAtVersion()) + " images re-predicted, " + c.flipped() + " flipped";
            case DONE -> "replay " + report.replayId() + " done: " + c.replayed() + " images re-predicted, " + c.flipped()
                + " flipped, " + c.outOfReach() + " out of reach";
            case FAILED -> "replay " + report.replayId() + " failed: " + report.reason();
        };
        status(state, reason, c.progress(), details);
    }

    static void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
