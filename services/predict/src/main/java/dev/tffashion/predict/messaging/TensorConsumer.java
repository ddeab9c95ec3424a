package dev.tffashion.predict.messaging;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

import dev.tffashion.pipeline.AnnotatedValue;
import dev.tffashion.pipeline.graph.PipelineGraph;
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
import io.smallrye.reactive.messaging.kafka.api.IncomingKafkaRecordMetadata;

/**
 * Consumes {@code <pipeline>.imageConvert.tensor} in batches (what one poll brings, up to {@code predict.batch-size}) and publishes
 * one prediction per tensor on {@code <pipeline>.predict.prediction}. While no model is served, or TF Serving does not answer, the
 * batch waits unacknowledged (status {@code waiting}): nothing is committed, nothing is lost. Records that are not tensor values,
 * and tensors TF Serving refuses (INVALID_ARGUMENT), go to {@code <pipeline>.predict.dlq} with the reason. Offsets are committed only
 * after Kafka has acknowledged the batch's predictions and dead letters.
 */
@ApplicationScoped
public class TensorConsumer {

    private static final Logger LOG = Logger.getLogger(TensorConsumer.class);

    @Inject
    Predictor predictor;

    @Inject
    EndpointWatcher endpoints;

    @Inject
    PredictionPublisher publisher;

    @Inject
    PredictionLedger ledger;

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

    /** A record refused for good, with the reason its dead letter carries. */
    private record Rejection(KafkaRecord<String, byte[]> record, RejectedInputException reason) {
    }

    /** The outcomes of a batch and the endpoint that produced them. */
    private record Served(Endpoint endpoint, List<Predictor.Outcome> outcomes) {
    }

    @Incoming(Channels.TENSORS)
    @Blocking
    public CompletionStage<Void> consume(KafkaRecordBatch<String, byte[]> batch) {
        try {
            return process(batch);
        } catch (RuntimeException e) {
            LOG.errorf(e, "predict failed unexpectedly on a batch of %d records; dead-lettering them", batch.getRecords().size());
            status.failed("unexpected failure, " + batch.getRecords().size() + " records dead-lettered: " + e);
            return await(batch.nack(new IllegalStateException("predict failed unexpectedly: " + e, e)));
        }
    }

    private CompletionStage<Void> process(KafkaRecordBatch<String, byte[]> batch) {
        List<KafkaRecord<String, byte[]>> records = batch.getRecords();
        status.increment(TaskStatus.CONSUMED, records.size());
        List<TensorInput> inputs = new ArrayList<>();
        Map<TensorInput, KafkaRecord<String, byte[]>> recordOf = new IdentityHashMap<>();
        List<Rejection> rejections = new ArrayList<>();
        for (KafkaRecord<String, byte[]> record : records) {
            try {
                TensorInput input = TensorInput.parse(record.getKey(), record.getHeaders(), record.getPayload(), store);
                inputs.add(input);
                recordOf.put(input, record);
            } catch (RejectedInputException e) {
                metrics.failed(Failure.MALFORMED, 1);
                rejections.add(new Rejection(record, e));
            } catch (RuntimeException e) {
                LOG.errorf(e, "record %s could not be read; dead-lettering it alone", record.getKey());
                metrics.failed(Failure.MALFORMED, 1);
                rejections.add(new Rejection(record, new RejectedInputException("record " + record.getKey() + " could not be read as a "
                    + "tensor value: " + e, e)));
            }
        }
        if (!inputs.isEmpty()) {
            if (!ledger.awaitCaughtUp(config.waiting().statusInterval())) {
                LOG.infof("stopping: %d tensors stay unacknowledged on Kafka for the next run", inputs.size());
                return CompletableFuture.completedFuture(null);
            }
            inputs = notPredictedYet(inputs);
        }
        List<AnnotatedValue> predictions = new ArrayList<>();
        List<Instant> producedAt = new ArrayList<>();
        Served served = null;
        if (!inputs.isEmpty()) {
            Optional<Served> outcome = predictWhenServed(inputs);
            if (outcome.isEmpty()) {
                LOG.infof("stopping: %d tensors stay unacknowledged on Kafka for the next run", inputs.size());
                return CompletableFuture.completedFuture(null);
            }
            served = outcome.get();
            for (Predictor.Outcome o : served.outcomes()) {
                if (o instanceof Predictor.Predicted p) {
                    predictions.add(Predictions.value(graph.name(), p.input(), served.endpoint(), p.model(), p.classification(), store));
                    producedAt.add(recordOf.get(p.input()).getTimestamp());
                } else if (o instanceof Predictor.Refused r) {
                    metrics.failed(Failure.INVALID_ARGUMENT, 1);
                    rejections.add(new Rejection(recordOf.get(r.input()), r.reason()));
                }
            }
        }
        if (!publish(predictions) || !deadLetter(rejections)) {
            return CompletableFuture.completedFuture(null);
        }
        ledger.remember(predictions);
        Instant now = Instant.now();
        producedAt.forEach(t -> metrics.endToEnd(Duration.between(t, now)));
        predictions.forEach(p -> metrics.predicted(p.annotation("modelName"), Long.parseLong(p.annotation("modelVersion")), 1));
        long total = status.increment(TaskStatus.PREDICTED, predictions.size());
        status.increment(TaskStatus.DEAD_LETTERED, rejections.size());
        report(served, predictions, rejections, total);
        return await(batch.ack());
    }

    /**
     * The tensors that have no prediction yet. A tensor delivered again (its offset was not committed before a crash, a rebalance or
     * a broker restart) keeps the prediction it has and is only acknowledged: predicted again, perhaps by a newer model, it would
     * give its image two different predictions.
     */
    private List<TensorInput> notPredictedYet(List<TensorInput> inputs) {
        List<TensorInput> fresh = new ArrayList<>(inputs.size());
        List<String> again = new ArrayList<>();
        for (TensorInput input : inputs) {
            Optional<String> earlier = ledger.predictionOf(input.tensorId());
            if (earlier.isPresent()) {
                again.add(input.tensorId() + " -> " + earlier.get());
            } else {
                fresh.add(input);
            }
        }
        if (!again.isEmpty()) {
            LOG.infof("%d tensors delivered again already have their prediction; not predicted twice: %s", again.size(),
                again.size() > 5 ? again.subList(0, 5) + " ..." : again);
        }
        return fresh;
    }

    /** Predicts once a model is served and answers; empty when the service stops first. */
    private Optional<Served> predictWhenServed(List<TensorInput> inputs) {
        Duration backoff = config.waiting().initialBackoff();
        while (!endpoints.stopping()) {
            Optional<Endpoint> endpoint = endpoints.current();
            if (endpoint.isEmpty() || !endpoints.caughtUp()) {
                status.waiting(endpoints.caughtUp() ? "no model is served yet: " + inputs.size() + " tensors wait on Kafka until serve "
                    + "announces an endpoint" : "reading the latest endpoint; " + inputs.size() + " tensors wait");
                endpoints.awaitChange(endpoint.orElse(null), config.waiting().statusInterval());
                continue;
            }
            Endpoint current = endpoint.get();
            try {
                status.active("classifying " + inputs.size() + " tensors with " + current.describe(), Map.of("model",
                    current.modelName(), "grpcTarget", current.grpcTarget()));
                List<Predictor.Outcome> outcomes = predictor.predict(current, inputs);
                return Optional.of(new Served(current, outcomes));
            } catch (ModelNotLoadedException e) {
                metrics.failed(Failure.MODEL_NOT_LOADED, inputs.size());
                status.waiting(e.getMessage() + "; " + inputs.size() + " tensors wait for the model");
            } catch (ServingUnavailableException e) {
                metrics.failed(Failure.UNAVAILABLE, inputs.size());
                status.waiting(e.getMessage() + "; " + inputs.size() + " tensors wait, retrying");
            } catch (ServingFailedException e) {
                metrics.failed(Failure.SERVING_FAILED, inputs.size());
                status.failed(e.getMessage() + "; " + inputs.size() + " tensors wait for a fixed server or a new model");
                backoff = config.waiting().maxBackoff();
            }
            endpoints.awaitChange(current, backoff);
            backoff = backoff.multipliedBy(2).compareTo(config.waiting().maxBackoff()) > 0 ? config.waiting().maxBackoff()
                : backoff.multipliedBy(2);
        }
        return Optional.empty();
    }

    /** Publishes and waits for Kafka's acknowledgement, retrying until it comes; false when the service stops first. */
    private boolean publish(List<AnnotatedValue> predictions) {
        if (predictions.isEmpty()) {
            return true;
        }
        return untilAcknowledged("publish " + predictions.size() + " predictions", () -> publisher.publish(predictions));
    }

    /** Sends each refused record to the dead-letter topic (SmallRye's dead-letter-queue strategy) and waits for Kafka. */
    private boolean deadLetter(List<Rejection> rejections) {
        if (rejections.isEmpty()) {
            return true;
        }
        for (Rejection r : rejections) {
            long offset = r.record().getMetadata(IncomingKafkaRecordMetadata.class).map(IncomingKafkaRecordMetadata::getOffset)
                .orElse(-1L);
            LOG.warnf("dead-lettering record %s (%s-%d@%d): %s", r.record().getKey(), r.record().getTopic(), r.record().getPartition(),
                offset, r.reason().getMessage());
        }
        return untilAcknowledged("dead-letter " + rejections.size() + " records", () -> CompletableFuture.allOf(rejections.stream()
            .map(r -> r.record().nack(r.reason()).toCompletableFuture()).toArray(CompletableFuture[]::new)));
    }

    private boolean untilAcknowledged(String what, Supplier<CompletableFuture<Void>> send) {
        Duration backoff = config.waiting().initialBackoff();
        while (true) {
            try {
                send.get().get(config.publishTimeout().toMillis(), TimeUnit.MILLISECONDS);
                return true;
            } catch (ExecutionException | TimeoutException e) {
                Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
                metrics.failed(Failure.PUBLISH, 1);
                status.waiting("Kafka did not acknowledge (" + what + "): " + cause + "; retrying");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
            if (endpoints.stopping()) {
                return false;
            }
            endpoints.awaitChange(endpoints.current().orElse(null), backoff);
            backoff = backoff.multipliedBy(2).compareTo(config.waiting().maxBackoff()) > 0 ? config.waiting().maxBackoff()
                : backoff.multipliedBy(2);
        }
    }

    private void report(Served served, List<AnnotatedValue> predictions, List<Rejection> rejections, long total) {
        Map<String, Object> details = new LinkedHashMap<>();
        if (!predictions.isEmpty()) {
            AnnotatedValue last = predictions.get(predictions.size() - 1);
            details.put("model", last.annotation("modelName"));
            details.put("modelVersion", last.annotation("modelVersion"));
            details.put("lastPrediction", last.id());
            details.put("lastClass", last.annotation("className"));
            LOG.infof("predicted %d tensors with %s (last: %s -> %s %s)", predictions.size(), served.endpoint().describe(),
                last.sourceIds(Predictions.TENSOR_INPUT), last.annotation("className"), last.annotation("score"));
        }
        details.put("batch", predictions.size() + rejections.size());
        String reason = "predicted " + predictions.size() + (rejections.isEmpty() ? "" : ", dead-lettered " + rejections.size())
            + " (" + total + " predictions so far)";
        status.succeeded(reason, details);
    }

    private static CompletionStage<Void> await(CompletionStage<Void> stage) {
        try {
            stage.toCompletableFuture().get(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            LOG.warnf("acknowledgement did not complete: %s", e.getCause() == null ? e : e.getCause());
        }
        return stage;
    }
}
