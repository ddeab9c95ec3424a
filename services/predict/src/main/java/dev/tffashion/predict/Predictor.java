package dev.tffashion.predict;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import dev.tffashion.predict.client.PredictionClient;
import dev.tffashion.predict.config.PredictConfig;
import dev.tffashion.tfserving.client.FloatBatch;
import dev.tffashion.tfserving.client.Scores;
import dev.tffashion.tfserving.client.ServingSignature;

/**
 * Classifies a batch of tensors with the served model: reads (and caches) the model's signature, shapes the tensors to its input,
 * sends tensors of the same shape together in Predict calls of at most {@code predict.batch-size}, and isolates the tensors TF Serving
 * refuses (INVALID_ARGUMENT) by retrying a refused group one tensor at a time. Transient failures propagate: the caller waits and
 * tries the whole batch again.
 *
 * <p>A newly announced endpoint is prepared before its first tensor ({@link #prepare}): its signature read, the gRPC channel
 * connected and one Predict call of zeros made, so the first picture does not wait for the channel, gRPC's classes and the first call's
 * code paths (seconds on a busy two-core machine).
 */
@ApplicationScoped
public class Predictor {

    private static final Logger LOG = Logger.getLogger(Predictor.class);

    /** What became of one tensor. */
    public sealed interface Outcome permits Predicted, Refused {
        TensorInput input();
    }

    /** Classified by the model (and version) that answered. */
    public record Predicted(TensorInput input, ServingSignature model, Classification classification) implements Outcome {
    }

    /** Refused by TF Serving; the reason goes with the dead letter. */
    public record Refused(TensorInput input, RejectedInputException reason) implements Outcome {
    }

    /** The most values a preparing Predict call sends (an instance of a larger input is not worth a warm-up). */
    static final long PREPARE_MAX_VALUES = 1 << 20;

    /** How long preparing waits between attempts while the model server does not answer yet. */
    static final Duration PREPARE_RETRY = Duration.ofMillis(500);
    /** How long preparing keeps trying. */
    static final Duration PREPARE_GIVE_UP = Duration.ofSeconds(120);

    private final Map<Endpoint, ServingSignature> signatures = new ConcurrentHashMap<>();
    /** The endpoint most recently given to {@link #prepare}: an earlier one stops trying. */
    private volatile Endpoint latest;

    private final ExecutorService preparing = Executors.newSingleThreadExecutor(r -> {
        Thread thread = new Thread(r, "predict-prepare");
        thread.setDaemon(true);
        return thread;
    });

    @Inject
    PredictionClient client;

    @Inject
    PredictConfig config;

    @Inject
    PredictMetrics metrics;

    /** The model's signature as TF Serving reports it (cached per endpoint). */
    public ServingSignature signature(Endpoint endpoint) {
        ServingSignature cached = signatures.get(endpoint);
        if (cached != null) {
            return cached;
        }
        return remember(endpoint, client.metadata(endpoint));
    }

    private ServingSignature remember(Endpoint endpoint, ServingSignature signature) {
        signatures.keySet().removeIf(e -> !e.valueId().equals(endpoint.valueId()) || !e.grpcTarget().equals(endpoint.grpcTarget()));
        signatures.put(endpoint, signature);
        LOG.infof("model %s: %s", endpoint.describe(), signature.describe());
        return signature;
    }

    /**
     * Prepares a newly announced endpoint in the background: reads its signature once, outside the retries and the circuit breaker
     * (the readiness probe's call), and, when the signature fixes every dimension of an instance, sends one Predict call of one instance
     * of zeros, whose answer is dropped (it counts in no metric of predict). While the server does not answer yet (predict started
     * before serve-manager's model server, as {@code bin/tf-fashion up} starts them together), it tries again every
     * {@link #PREPARE_RETRY} for up to {@link #PREPARE_GIVE_UP}, as long as the endpoint is still the latest announced and no tensor
     * has read its signature meanwhile. Nothing depends on it: a failure is logged, and the first tensor then reads the signature
     * itself as before.
     */
    public void prepare(Endpoint endpoint) {
        prepare(endpoint, config.health().deadline());
    }

    /** {@link #prepare(Endpoint)}, each signature read given {@code probeDeadline}. */
    void prepare(Endpoint endpoint, Duration probeDeadline) {
        latest = endpoint;
        preparing.execute(() -> prepareWhileLatest(endpoint, probeDeadline));
    }

    private void prepareWhileLatest(Endpoint endpoint, Duration probeDeadline) {
        long start = System.nanoTime();
        long deadline = start + PREPARE_GIVE_UP.toNanos();
        for (int attempt = 1; endpoint.equals(latest); attempt++) {
            try {
                ServingSignature signature = client.probe(endpoint, probeDeadline);
                if (!signatures.containsKey(endpoint)) {
                    remember(endpoint, signature);
                }
                FloatBatch zeros = zeroInstance(signature.inputDims());
                if (zeros != null) {
                    client.predict(endpoint, signature, zeros);
                }
                LOG.infof("model %s prepared in %d ms%s (%s)", endpoint.describe(), (System.nanoTime() - start) / 1_000_000,
                    attempt == 1 ? "" : ", at attempt " + attempt, zeros == null
                        ? "signature read; no Predict call: an instance's shape is not fixed" : "signature read, one Predict call");
                return;
            } catch (RuntimeException e) {
                if (System.nanoTime() >= deadline || signatures.containsKey(endpoint)) {
                    LOG.infof("model %s not prepared after %d attempts (its first tensor reads the signature itself): %s",
                        endpoint.describe(), attempt, e.getMessage());
                    return;
                }
                if (attempt == 1) {
                    LOG.infof("model %s not prepared yet (%s): trying again every %d ms for up to %d s", endpoint.describe(),
                        e.getMessage(), PREPARE_RETRY.toMillis(), PREPARE_GIVE_UP.toSeconds());
                }
            }
            try {
                Thread.sleep(PREPARE_RETRY.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /**
     * One instance of zeros, as a batch of one, when the model fixes every dimension of an instance and they hold at most
     * {@link #PREPARE_MAX_VALUES} values; otherwise null.
     */
    static FloatBatch zeroInstance(long[] modelDims) {
        if (modelDims == null || modelDims.length < 2) {
            return null;
        }
        long[] dims = Arrays.copyOfRange(modelDims, 1, modelDims.length);
        long values = 1;
        for (long dim : dims) {
            if (dim <= 0) {
                return null;
            }
            values *= dim;
            if (values > PREPARE_MAX_VALUES) {
                return null;
            }
        }
        return FloatBatch.ofRawRows(dims, List.of(new byte[(int) values * Float.BYTES]));
    }

    @PreDestroy
    void stop() {
        preparing.shutdownNow();
    }

    /**
     * Classifies every tensor, in input order.
     *
     * @throws ServingUnavailableException when TF Serving or the model does not answer (nothing is lost: try again later)
     * @throws ServingFailedException when the model cannot classify (not the tensors' fault)
     */
    public List<Outcome> predict(Endpoint endpoint, List<TensorInput> inputs) {
        ServingSignature model = signature(endpoint);
        Map<String, List<TensorInput>> groups = new LinkedHashMap<>();
        Map<String, long[]> groupDims = new LinkedHashMap<>();
        for (TensorInput input : inputs) {
            long[] dims = InputShaper.instanceDims(model.inputDims(), input.shape());
            String key = Arrays.toString(dims);
            groups.computeIfAbsent(key, k -> new ArrayList<>()).add(input);
            groupDims.put(key, dims);
        }
        int chunk = Math.max(1, Math.min(config.batchSize(), InputShaper.maxBatch(model.inputDims())));
        Map<TensorInput, Outcome> outcomes = new IdentityHashMap<>();
        try {
            for (var group : groups.entrySet()) {
                List<TensorInput> members = group.getValue();
                for (int from = 0; from < members.size(); from += chunk) {
                    List<TensorInput> part = members.subList(from, Math.min(members.size(), from + chunk));
                    call(endpoint, model, groupDims.get(group.getKey()), part).forEach(o -> outcomes.put(o.input(), o));
                }
            }
        } catch (ModelNotLoadedException e) {
            signatures.remove(endpoint);
            throw e;
        }
        return inputs.stream().map(outcomes::get).toList();
    }

    private List<Outcome> call(Endpoint endpoint, ServingSignature model, long[] dims, List<TensorInput> part) {
        long start = System.nanoTime();
        try {
            Scores scores = client.predict(endpoint, model, FloatBatch.ofRawRows(dims, part.stream().map(TensorInput::data).toList()));
            metrics.predictCall(Duration.ofNanos(System.nanoTime() - start), part.size());
            ServingSignature answered = model.withVersion(scores.version());
            List<Outcome> outcomes = new ArrayList<>(part.size());
            for (int i = 0; i < part.size(); i++) {
                outcomes.add(new Predicted(part.get(i), answered, Classification.of(scores.rows().get(i), answered.describe())));
            }
            return outcomes;
        } catch (RejectedInputException e) {
            if (part.size() == 1) {
                TensorInput input = part.get(0);
                return List.of(new Refused(input, new RejectedInputException("tensor " + input.tensorId() + " (shape "
                    + Arrays.toString(input.shape()) + ", sent as " + ServingSignature.dims(batchDims(dims)) + " to input '"
                    + model.inputName() + "' " + ServingSignature.dims(model.inputDims()) + "): " + e.getMessage(), e)));
            }
            LOG.debugf("TF Serving refused a group of %d tensors; trying them one by one: %s", part.size(), e.getMessage());
            List<Outcome> outcomes = new ArrayList<>(part.size());
            for (TensorInput input : part) {
                outcomes.addAll(call(endpoint, model, dims, List.of(input)));
            }
            return outcomes;
        }
    }

    private static long[] batchDims(long[] dims) {
        long[] all = new long[dims.length + 1];
        all[0] = 1;
        System.arraycopy(dims, 0, all, 1, dims.length);
        return all;
    }
}
