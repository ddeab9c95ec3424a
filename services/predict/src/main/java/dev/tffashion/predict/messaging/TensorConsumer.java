package dev.tffashion.predict.messaging;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

import dev.tffashion.pipeline.AnnotatedValue;
import dev.tffashion.pipeline.contracts.RolloutPolicy;
import dev.tffashion.pipeline.contracts.ShadowPrediction;
import dev.tffashion.pipeline.graph.PipelineGraph;
import dev.tffashion.pipeline.quarkus.task.Backoff;
import dev.tffashion.pipeline.quarkus.task.BatchTask;
import dev.tffashion.pipeline.quarkus.task.Results;
import dev.tffashion.pipeline.quarkus.task.TaskRunner;
import dev.tffashion.pipeline.quarkus.task.TaskRuntime;
import dev.tffashion.pipeline.quarkus.task.TaskStoppedException;
import dev.tffashion.pipeline.store.ContentStore;
import dev.tffashion.predict.Endpoint;
import dev.tffashion.predict.ModelNotLoadedException;
import dev.tffashion.predict.PredictMetrics;
import dev.tffashion.predict.PredictMetrics.Failure;
import dev.tffashion.predict.Predictions;
import dev.tffashion.predict.Predictor;
import dev.tffashion.predict.RejectedInputException;
import dev.tffashion.predict.ServingFailedException;
import dev.tffashion.predict.ServingUnavailableException;
import dev.tffashion.predict.TensorInput;
import dev.tffashion.predict.config.PredictConfig;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.reactive.messaging.kafka.KafkaRecord;
import io.smallrye.reactive.messaging.kafka.KafkaRecordBatch;

/**
 * Consumes {@code <pipeline>.imageConvert.tensor} in batches (what one poll brings, up to {@code predict.batch-size}; it never
 * waits to fill a batch) and publishes one prediction per tensor on {@code <pipeline>.predict.prediction}. While no model is served,
 * or TF Serving does not answer, the batch waits unacknowledged (status {@code waiting}): nothing is committed, nothing is lost.
 * Records that are not tensor values ({@code MALFORMED_VALUE}, ...) and tensors TF Serving refuses ({@code INVALID_ARGUMENT}) go
 * alone to {@code <pipeline>.predict.dlq} with their code and reason. Each batch runs exactly once: its predictions, its dead
 * letters and its offsets are one Kafka transaction, so a tensor delivered again (its batch's transaction never committed, after a
 * crash, a rebalance or a broker restart) has no prediction a {@code read_committed} reader can see, and is predicted afresh
 * (README, "Exactly once"). The task runtime ({@link TaskRunner}) publishes, dead-letters, commits and reports; this class holds the
 * prediction and its waits.
 *
 * <p>While a rollout runs (the endpoint names a challenger), each batch also goes to the challenger's version: under
 * {@code shadow} the live version's predictions are published as always and the challenger's go to
 * {@code <pipeline>.predict.shadow} only; under {@code canary} the challenger's prediction is published for the pictures of its arm
 * (a hash of the image id) and the live one's for the others. Either way each challenger prediction goes to the shadow topic with
 * the live version's class and both calls' latency, in the batch's transaction. A challenger that fails never fails a picture: the
 * live version's answer is published.
 */
@ApplicationScoped
public class TensorConsumer implements BatchTask<TensorInput> {

    private static final Logger LOG = Logger.getLogger(TensorConsumer.class);

    /** The dead-letter code of a tensor TF Serving refused (its gRPC status). */
    public static final String INVALID_ARGUMENT = "INVALID_ARGUMENT";

    @Inject
    Predictor predictor;

    @Inject
    EndpointWatcher endpoints;

    @Inject
    PredictionPublisher publisher;

    @Inject
    TaskStatus status;

    @Inject
    PredictMetrics metrics;

    @Inject
    PredictConfig config;

    @Inject
    ContentStore store;

    @Inject
    PipelineGraph graph;

    @Inject
    TaskRuntime runtime;

    private TaskRunner runner;

    /** The endpoint that answered the batch being worked on (one batch at a time). */
    private Endpoint servedBy;

    @PostConstruct
    void init() {
        runner = runtime.runner(Predictions.TASK, publisher.emitter(), new TaskRunner.Delivery(config.publishTimeout(),
            backoff(), endpoints::stopping));
    }

    @Incoming(Channels.TENSORS)
    @Blocking
    public CompletionStage<Void> consume(KafkaRecordBatch<String, byte[]> batch) {
        return runner.batch(batch, this);
    }

    @Override
    public TensorInput parse(KafkaRecord<String, byte[]> record) {
        try {
            return TensorInput.parse(record.getKey(), record.getHeaders(), record.getPayload(), store);
        } catch (RuntimeException e) {
            metrics.failed(Failure.MALFORMED, 1);
            throw e;
        }
    }

    @Override
    public void work(List<TensorInput> inputs, Results<TensorInput> results) {
        List<TensorInput> fresh = inputs;
        Endpoint endpoint = null;
        List<Predictor.Outcome> outcomes = null;
        long liveMicros = -1;
        Duration wait = config.waiting().initialBackoff();
        while (outcomes == null) {
            if (endpoints.stopping()) {
                throw new TaskStoppedException("stopping while " + fresh.size() + " tensors wait to be predicted");
            }
            Optional<Endpoint> current = endpoints.current();
            if (current.isEmpty() || !endpoints.caughtUp()) {
                status.waiting(endpoints.caughtUp() ? "no model is served yet: " + fresh.size() + " tensors wait on Kafka until serve "
                    + "announces an endpoint" : "reading the latest endpoint; " + fresh.size() + " tensors wait");
                endpoints.awaitChange(current.orElse(null), config.waiting().statusInterval());
                continue;
            }
            endpoint = current.get();
            try {
                long start = System.nanoTime();
                outcomes = predictor.predict(endpoint, fresh);
                liveMicros = (System.nanoTime() - start) / 1000;
            } catch (ModelNotLoadedException e) {
                metrics.failed(Failure.MODEL_NOT_LOADED, fresh.size());
                status.waiting(e.getMessage() + "; " + fresh.size() + " tensors wait for the model");
            } catch (ServingUnavailableException e) {
                metrics.failed(Failure.UNAVAILABLE, fresh.size());
                status.waiting(e.getMessage() + "; " + fresh.size() + " tensors wait, retrying");
            } catch (ServingFailedException e) {
                metrics.failed(Failure.SERVING_FAILED, fresh.size());
                status.failed(e.getMessage() + "; " + fresh.size() + " tensors wait for a fixed server or a new model");
                wait = config.waiting().maxBackoff();
            }
            if (outcomes == null) {
                endpoints.awaitChange(endpoint, wait);
                wait = backoff().next(wait);
            }
        }
        servedBy = endpoint;
        if (endpoint.rollout() != RolloutPolicy.IMMEDIATE) {
            withChallenger(endpoint, outcomes, liveMicros, results);
            return;
        }
        for (Predictor.Outcome o : outcomes) {
            if (o instanceof Predictor.Predicted p) {
                results.produced(p.input(), Predictions.value(graph.name(), p.input(), endpoint, p.model(), p.classification(), store));
            } else if (o instanceof Predictor.Refused r) {
                metrics.failed(Failure.INVALID_ARGUMENT, 1);
                results.refused(r.input(), new RejectedInputException(INVALID_ARGUMENT, r.reason().getMessage(), r.reason()));
            }
        }
    }

    /** The batch's outcomes under a rollout: the challenger asked too, its answers published as the policy says. */
    private void withChallenger(Endpoint endpoint, List<Predictor.Outcome> outcomes, long liveMicros, Results<TensorInput> results) {
        boolean canary = endpoint.rollout() == RolloutPolicy.CANARY;
        List<TensorInput> asked = new ArrayList<>(outcomes.size());
        for (Predictor.Outcome o : outcomes) {
            if (o instanceof Predictor.Predicted p && (!canary || RolloutPolicy.canaryArm(armKey(p.input()), endpoint.canaryWeight()))) {
                asked.add(p.input());
            }
        }
        Map<TensorInput, Predictor.Predicted> challenger = new IdentityHashMap<>();
        long challengerMicros = -1;
        if (!asked.isEmpty()) {
            long start = System.nanoTime();
            try {
                for (Predictor.Outcome o : predictor.predict(endpoint.challenger(), asked)) {
                    if (o instanceof Predictor.Predicted p) {
                        challenger.put(p.input(), p);
                    }
                }
                challengerMicros = (System.nanoTime() - start) / 1000;
            } catch (RuntimeException e) {
                LOG.infof("the challenger v%d did not answer %d tensors (%s); the live version's answers are published",
                    endpoint.challengerVersion(), asked.size(), e.getMessage());
            }
        }
        String arm = canary ? RolloutPolicy.CANARY.wireName() : RolloutPolicy.SHADOW.wireName();
        for (Predictor.Outcome o : outcomes) {
            if (o instanceof Predictor.Predicted p) {
                AnnotatedValue live = Predictions.value(graph.name(), p.input(), endpoint, p.model(), p.classification(), store);
                Predictor.Predicted c = challenger.get(p.input());
                AnnotatedValue published = live.toBuilder().annotation(ShadowPrediction.ARM, "live").build();
                if (c != null) {
                    AnnotatedValue challenged = Predictions.value(graph.name(), c.input(), endpoint, c.model(), c.classification(), store);
                    results.alsoPublish(graph.shadowTopic(), ShadowPrediction.of(challenged, p.input().tensorId(),
                        p.classification().label(), p.model().version(), liveMicros, challengerMicros, arm));
                    if (canary) {
                        published = challenged.toBuilder().annotation(ShadowPrediction.ARM, arm).build();
                    }
                }
                results.produced(p.input(), published);
            } else if (o instanceof Predictor.Refused r) {
                metrics.failed(Failure.INVALID_ARGUMENT, 1);
                results.refused(r.input(), new RejectedInputException(INVALID_ARGUMENT, r.reason().getMessage(), r.reason()));
            }
        }
    }

    /** What decides a picture's canary arm: its image id (the same image always gets the same arm), else its tensor id. */
    private static String armKey(TensorInput input) {
        return input.tensor().imageId() != null ? input.tensor().imageId() : input.tensorId();
    }

    @Override
    public void acknowledged(Results<TensorInput> results) {
        Instant now = Instant.now();
        for (Results.Produced<TensorInput> p : results.produced()) {
            metrics.endToEnd(Duration.between(results.record(p.input()).getTimestamp(), now));
            metrics.predicted(p.value().annotation("modelName"), Long.parseLong(p.value().annotation("modelVersion")), 1);
        }
    }

    @Override
    public Map<String, Object> details(Results<TensorInput> results) {
        Map<String, Object> details = new LinkedHashMap<>();
        if (!results.produced().isEmpty()) {
            AnnotatedValue last = results.produced().get(results.produced().size() - 1).value();
            details.put("model", last.annotation("modelName"));
            details.put("modelVersion", last.annotation("modelVersion"));
            details.put("lastPrediction", last.id());
            details.put("lastClass", last.annotation("className"));
            if (LOG.isDebugEnabled() && servedBy != null) {
                LOG.debugf("predicted %d tensors with %s (last: %s -> %s %s)", results.produced().size(), servedBy.describe(),
                    last.sourceIds(Predictions.TENSOR_INPUT), last.annotation("className"), last.annotation("score"));
            }
        }
        return details;
    }

    private Backoff backoff() {
        return new Backoff(config.waiting().initialBackoff(), config.waiting().maxBackoff());
    }
}
