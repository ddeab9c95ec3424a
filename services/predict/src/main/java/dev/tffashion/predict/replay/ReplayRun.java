package dev.tffashion.predict.replay;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.jboss.logging.Logger;

import dev.tffashion.pipeline.AnnotatedValue;
import dev.tffashion.pipeline.contracts.PredictionValue;
import dev.tffashion.pipeline.contracts.replay.ReplayReport;
import dev.tffashion.pipeline.contracts.replay.ReplayRequest;
import dev.tffashion.pipeline.contracts.replay.ReplayTally;
import dev.tffashion.pipeline.contracts.replay.Replays;
import dev.tffashion.pipeline.kafka.ValueRecords;
import dev.tffashion.pipeline.status.TaskState;
import dev.tffashion.predict.Endpoint;
import dev.tffashion.predict.ModelNotLoadedException;
import dev.tffashion.predict.Predictions;
import dev.tffashion.predict.Predictor;
import dev.tffashion.predict.ServingFailedException;
import dev.tffashion.predict.ServingUnavailableException;
import dev.tffashion.predict.TensorInput;

/**
 * One replay: selects the images whose current prediction the request names ({@link PredictionHistory}), reads the tensor topic
 * from its beginning (as far back as its retention keeps tensors) up to where it ended when the replay started, predicts the
 * selected tensors with the requested version of the served model, and publishes each new prediction with lineage
 * {@code supersedes: [old prediction id]}. Each step (at most {@code predict.replay.step-records} tensor records) is one Kafka
 * transaction: its predictions and the report with the checkpoint (the next offset of each partition). After a crash the run
 * resumes from the last committed checkpoint (a failed one too, when its request is read again); a done replay is never run
 * again, and its values' ids ({@link ReplayRequest#predictionId}) would be the same anyway.
 */
final class ReplayRun {

    private static final Logger LOG = Logger.getLogger(ReplayRun.class);

    private final ReplayJob job;
    private final ReplayRequest request;
    /** The request record's timestamp: a failure reported after it stands until the request is posted again. */
    private final long requestedAt;
    private Long liveVersion;
    private long lastReportAt = Long.MIN_VALUE;

    ReplayRun(ReplayJob job, ReplayRequest request, long requestedAt) {
        this.job = job;
        this.request = request;
        this.requestedAt = requestedAt;
    }

    void run() {
        try (KafkaProducer<String, Object> producer = job.producer(request)) {
            producer.initTransactions();
            Optional<ReplayReport> last = lastReport();
            if (last.isPresent() && last.get().state() == ReplayReport.State.DONE) {
                LOG.debugf("replay %s (%s) is done: nothing to do", request.id(), request.describe());
                return;
            }
            if (last.isPresent() && last.get().state() == ReplayReport.State.FAILED && lastReportAt > requestedAt) {
                // failed after this request was posted (by this job, or refused by serve-manager): posting it again retries it
                LOG.debugf("replay %s (%s) failed after it was posted (%s): waiting for it to be posted again", request.id(),
                    request.describe(), last.get().reason());
                return;
            }
            Optional<Endpoint> served = awaitEndpoint();
            if (served.isEmpty()) {
                return;
            }
            Endpoint live = served.get();
            liveVersion = live.modelVersion();
            Endpoint target = new Endpoint(live.valueId(), live.grpcTarget(), live.modelName(), request.toVersion(), live.signatureName(),
                live.inputName(), live.outputName());
            new Step(producer, target, last.orElse(null)).run();
        } catch (ProducerFencedException e) {
            LOG.infof("replay %s: another runner took it over (%s)", request.id(), e.getMessage());
            job.status(TaskState.IDLE, "replay " + request.id() + " was taken over or ended by another runner (serve-manager fails a "
                + "replay to a version that is not installed); its report says why: GET /v1/replay/" + request.id(), null,
                Map.of("replayId", request.id()));
        } catch (KafkaException e) {
            LOG.warnf("replay %s stopped on a Kafka error, it resumes from its last checkpoint at the next start: %s", request.id(),
                e.getMessage());
            job.status(TaskState.FAILED, "replay " + request.id() + " stopped: " + e.getMessage(), null, Map.of("replayId", request.id()));
        }
    }

    private Optional<Endpoint> awaitEndpoint() {
        while (!job.stopping()) {
            Optional<Endpoint> current = job.endpoints.current();
            if (current.isPresent() && job.endpoints.caughtUp()) {
                return current;
            }
            job.status(TaskState.WAITING, "replay " + request.id() + " waits for a served model", null, Map.of("replayId", request.id()));
            job.endpoints.awaitChange(current.orElse(null), job.config.waitForEndpoint());
        }
        return Optional.empty();
    }

    /** The replay's latest committed report, if any. */
    private Optional<ReplayReport> lastReport() {
        ReplayReport[] found = new ReplayReport[1];
        readAll(job.graph.replayReportTopic(), record -> {
            if (request.id().equals(record.key())) {
                found[0] = record.value() == null ? null : ReplayReport.fromJson(record.value());
                lastReportAt = record.timestamp();
            }
        });
        return Optional.ofNullable(found[0]);
    }

    /** Reads a topic from its beginning to its last committed record. */
    private void readAll(String topic, java.util.function.Consumer<ConsumerRecord<String, byte[]>> each) {
        try (KafkaConsumer<String, byte[]> consumer = job.consumer("history")) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
                consumer.poll(job.config.pollTimeout()).forEach(each);
            }
        }
    }

    /** What the replay says while it waits for its version to be loaded (report reason and status). */
    static String waiting(String replayId, long version, String model, Duration bound) {
        return "replay " + replayId + " waits for version " + version + " of model " + model + " to load on the model server "
            + "(serve-manager loads an installed version while a replay needs it; waiting up to " + bound.toSeconds() + " s)";
    }

    /**
     * Why a replay to a version the model server did not load within {@code predict.replay.await-version} failed, and what to do:
     * serve-manager loads an installed version while a replay runs that needs it, so either it does not run (or does not read
     * the replay topics), or the version cannot load.
     */
    static String notLoaded(long version, String model, String grpcTarget, Long liveVersion, String detail, Duration waited) {
        return "version " + version + " of model " + model + " is not loaded on TF Serving at " + grpcTarget + " (" + detail
            + ") after waiting " + waited.toSeconds() + " s (predict.replay.await-version): serve-manager loads an installed version"
            + " while a replay needs it; check that serve-manager runs and that version " + version + " is installed (GET /v1/rollout/"
            + model + " lists installedVersions; its status and log say why a version does not load), or make version " + version
            + " live first (POST /v1/rollout/" + model + "/rollback?version=" + version + ") or replay with the live version"
            + (liveVersion == null ? "" : " " + liveVersion) + "; posting the same replay again retries it from its checkpoint";
    }

    /** The scan of the tensor topic, step by step. */
    private final class Step {

        private final KafkaProducer<String, Object> producer;
        private final Endpoint target;
        private final ReplayTally tally;
        private final Map<String, PredictionHistory.Prediction> pending;
        private final Map<Integer, Long> next = new HashMap<>();
        private final Map<Integer, Long> end = new HashMap<>();

        Step(KafkaProducer<String, Object> producer, Endpoint target, ReplayReport last) {
            this.producer = producer;
            this.target = target;
            // a report without an end (serve-manager refused the replay before it started) starts over
            ReplayReport resumed = last == null || last.checkpoint() == null || last.checkpoint().end().isEmpty() ? null : last;
            Instant startedAt = resumed == null ? Instant.now() : resumed.startedAt();
            PredictionHistory history = new PredictionHistory(request, startedAt);
            readAll(job.graph.topic(Predictions.TASK, Predictions.OUTPUT), record -> {
                if (record.value() != null) {
                    try {
                        history.add(ValueRecords.decode(record.headers(), record.value()));
                    } catch (RuntimeException e) {
                        LOG.debugf("replay %s: skipped an unreadable prediction record: %s", request.id(), e.getMessage());
                    }
                }
            });
            Map<String, PredictionHistory.Prediction> selected = history.selected();
            pending = new HashMap<>();
            long atVersion = 0;
            for (var entry : selected.entrySet()) {
                if (entry.getValue().version() == request.toVersion()) {
                    atVersion++;
                } else if (!history.replayedBy().contains(entry.getKey())) {
                    pending.put(entry.getKey(), entry.getValue());
                }
            }
            if (resumed == null) {
                tally = new ReplayTally(request, target.modelName(), startedAt);
                tally.selected(selected.size(), atVersion);
            } else {
                tally = ReplayTally.resume(resumed, ReplayTally.details(resumed, job.store));
                next.putAll(resumed.checkpoint().next());
                end.putAll(resumed.checkpoint().end());
            }
        }

        void run() {
            if (pending.isEmpty()) {
                ReplayReport report = commit(List.of(), ReplayReport.State.DONE, null);
                LOG.infof("replay %s (%s): nothing left to re-predict (%d selected, %d already at v%d)", request.id(), request.describe(),
                    report.counts().selected(), report.counts().alreadyAtVersion(), request.toVersion());
                return;
            }
            String topic = job.graph.inputTopic(Predictions.TASK, Predictions.TENSOR_INPUT);
            try (KafkaConsumer<String, byte[]> tensors = job.consumer("tensors")) {
                List<TopicPartition> partitions = tensors.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
                if (end.isEmpty()) {
                    Map<TopicPartition, Long> from = tensors.beginningOffsets(partitions);
                    Map<TopicPartition, Long> to = tensors.endOffsets(partitions);
                    long total = 0;
                    for (TopicPartition p : partitions) {
                        next.put(p.partition(), from.get(p));
                        end.put(p.partition(), to.get(p));
                        total += to.get(p) - from.get(p);
                    }
                    tally.toScan(total);
                    commit(List.of(), ReplayReport.State.RUNNING, null);
                    LOG.infof("replay %s (%s) of %s: %d images to re-predict, %d tensor records to read", request.id(),
                        request.describe(), target.modelName(), pending.size(), total);
                }
                List<TopicPartition> open = partitions.stream().filter(p -> next.getOrDefault(p.partition(), 0L)
                    < end.getOrDefault(p.partition(), 0L)).toList();
                tensors.assign(open);
                open.forEach(p -> tensors.seek(p, next.get(p.partition())));
                while (!open.isEmpty()) {
                    if (job.stopping()) {
                        LOG.infof("replay %s: stopping; it resumes from its checkpoint at the next start", request.id());
                        return;
                    }
                    ConsumerRecords<String, byte[]> records = tensors.poll(job.config.pollTimeout());
                    List<TensorInput> inputs = new ArrayList<>();
                    for (ConsumerRecord<String, byte[]> record : records) {
                        if (record.offset() >= end.get(record.partition())) {
                            continue;
                        }
                        if (record.key() == null || !pending.containsKey(record.key())) {
                            continue;
                        }
                        try {
                            inputs.add(TensorInput.parse(record.key(), record.headers(), record.value(), job.store));
                        } catch (RuntimeException e) {
                            pending.remove(record.key());
                            tally.refused();
                        }
                    }
                    // offsets, not records: a transactional topic's commit markers take offsets that no poll returns
                    long scanned = 0;
                    for (TopicPartition p : open) {
                        long before = next.get(p.partition());
                        next.put(p.partition(), Math.min(end.get(p.partition()), Math.max(before, tensors.position(p))));
                        scanned += next.get(p.partition()) - before;
                    }
                    tally.scanned(scanned);
                    List<AnnotatedValue> values = predict(inputs);
                    if (values == null) {
                        return;
                    }
                    commit(values, ReplayReport.State.RUNNING, null);
                    List<TopicPartition> done = open.stream().filter(p -> next.get(p.partition()) >= end.get(p.partition())).toList();
                    if (!done.isEmpty()) {
                        open = open.stream().filter(p -> !done.contains(p)).toList();
                        tensors.pause(done);
                    }
                }
            }
            List<String> outOfReach = pending.values().stream().map(p -> p.imageId() == null ? p.tensorId() : p.imageId()).sorted()
                .toList();
            tally.outOfReach(outOfReach);
            ReplayReport report = commit(List.of(), ReplayReport.State.DONE, null);
            LOG.infof("replay %s done: %d re-predicted, %d flipped, %d out of reach", request.id(), report.counts().replayed(),
                report.counts().flipped(), report.counts().outOfReach());
        }

        /** The superseding predictions of the tensors, or null when the replay failed or stops. */
        private List<AnnotatedValue> predict(List<TensorInput> inputs) {
            if (inputs.isEmpty()) {
                return List.of();
            }
            Duration wait = Duration.ofMillis(200);
            long waitingSince = 0;
            long lastBeat = 0;
            while (true) {
                if (job.stopping()) {
                    return null;
                }
                try {
                    List<AnnotatedValue> values = values(job.predictor.predict(target, inputs));
                    if (waitingSince != 0) {
                        LOG.infof("replay %s: version %d is loaded after %d ms; going on", request.id(), request.toVersion(),
                            Duration.ofNanos(System.nanoTime() - waitingSince).toMillis());
                    }
                    return values;
                } catch (ModelNotLoadedException e) {
                    // serve-manager loads the version while this replay runs: wait for it, bounded
                    Duration bound = job.config.awaitVersion();
                    String reason = waiting(request.id(), request.toVersion(), target.modelName(), bound);
                    long now = System.nanoTime();
                    if (waitingSince == 0) {
                        waitingSince = now;
                        LOG.infof("%s: %s", reason, e.getMessage());
                    }
                    if (now - waitingSince > bound.toNanos()) {
                        commit(List.of(), ReplayReport.State.FAILED, notLoaded(request.toVersion(), target.modelName(),
                            target.grpcTarget(), liveVersion, e.getMessage(), bound));
                        return null;
                    }
                    if (lastBeat == 0 || now - lastBeat >= job.config.awaitVersionHeartbeat().toNanos()) {
                        // a report that says the replay waits: serve-manager sees it runs; a producer it fenced stops here
                        commit(List.of(), ReplayReport.State.RUNNING, reason);
                        lastBeat = now;
                    }
                    job.status(TaskState.WAITING, reason, null, Map.of("replayId", request.id(), "waitingForVersion",
                        request.toVersion()));
                    ReplayJob.sleep(Duration.ofMillis(Math.min(500, job.config.awaitVersionHeartbeat().toMillis())));
                } catch (ServingUnavailableException | ServingFailedException e) {
                    job.status(TaskState.WAITING, "replay " + request.id() + ": " + e.getMessage() + "; retrying", null,
                        Map.of("replayId", request.id()));
                    ReplayJob.sleep(wait);
                    wait = wait.multipliedBy(2).compareTo(Duration.ofSeconds(10)) > 0 ? Duration.ofSeconds(10) : wait.multipliedBy(2);
                }
            }
        }

        private List<AnnotatedValue> values(List<Predictor.Outcome> outcomes) {
            List<AnnotatedValue> values = new ArrayList<>();
            for (Predictor.Outcome outcome : outcomes) {
                PredictionHistory.Prediction before = pending.remove(outcome.input().tensorId());
                if (outcome instanceof Predictor.Predicted p && before != null) {
                    PredictionValue made = Predictions.prediction(job.graph.name(), p.input(), target, p.model(), p.classification());
                    String id = ReplayRequest.predictionId(request.id(), p.input().tensorId());
                    PredictionValue replayed = new PredictionValue(id, made.pipeline(), made.tensorId(), made.imageId(), made.endpointId(),
                        made.content(), made.createdAt());
                    values.add(Replays.superseding(replayed, request.id(), before.id(), job.store));
                    tally.replayed(Objects.requireNonNullElse(made.imageId(), made.tensorId()), made.tensorId(), before.id(),
                        before.label(), before.version(), id, new ReplayTally.Label(made.content().label(), made.content().className()));
                } else if (before != null) {
                    tally.refused();
                }
            }
            return values;
        }

        /** One transaction: the values and the report with the checkpoint. */
        private ReplayReport commit(List<AnnotatedValue> values, ReplayReport.State state, String reason) {
            ReplayReport report = tally.report(state, reason, new ReplayReport.Checkpoint(next, end), job.store);
            producer.beginTransaction();
            try {
                String predictions = job.graph.topic(Predictions.TASK, Predictions.OUTPUT);
                for (AnnotatedValue value : values) {
                    producer.send(new ProducerRecord<>(predictions, value.id(), value));
                }
                producer.send(new ProducerRecord<>(job.graph.replayReportTopic(), request.id(), report.toJson()));
                producer.commitTransaction();
            } catch (ProducerFencedException e) {
                throw e;
            } catch (KafkaException e) {
                producer.abortTransaction();
                throw e;
            }
            job.status(report);
            return report;
        }
    }
}
