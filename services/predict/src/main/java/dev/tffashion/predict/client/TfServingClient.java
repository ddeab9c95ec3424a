package dev.tffashion.predict.client;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.SignatureDef;
import org.tensorflow.proto.TensorInfo;
import org.tensorflow.proto.TensorProto;
import org.tensorflow.proto.TensorShapeProto;

import com.google.protobuf.ByteString;
import com.google.protobuf.Int64Value;
import com.google.protobuf.InvalidProtocolBufferException;

import dev.tffashion.predict.Endpoint;
import dev.tffashion.predict.ModelNotLoadedException;
import dev.tffashion.predict.ModelSignature;
import dev.tffashion.predict.RejectedInputException;
import dev.tffashion.predict.ServingFailedException;
import dev.tffashion.predict.ServingUnavailableException;
import dev.tffashion.predict.config.PredictConfig;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import tensorflow.serving.GetModelMetadata.GetModelMetadataRequest;
import tensorflow.serving.GetModelMetadata.GetModelMetadataResponse;
import tensorflow.serving.GetModelMetadata.SignatureDefMap;
import tensorflow.serving.Model.ModelSpec;
import tensorflow.serving.Predict.PredictRequest;
import tensorflow.serving.Predict.PredictResponse;
import tensorflow.serving.PredictionServiceGrpc;
import tensorflow.serving.PredictionServiceGrpc.PredictionServiceBlockingStub;

/**
 * The one client of TF Serving's gRPC API ({@code PredictionService.GetModelMetadata} and {@code Predict}): a deadline on each call,
 * retries with exponential backoff on UNAVAILABLE, a circuit breaker per target, and TF Serving's status codes mapped to the
 * domain (UNAVAILABLE: {@link ServingUnavailableException}, NOT_FOUND: {@link ModelNotLoadedException}, INVALID_ARGUMENT on Predict:
 * {@link RejectedInputException}, anything else: {@link ServingFailedException}). Generated protobuf types stay in this class.
 */
@ApplicationScoped
public class TfServingClient {

    private static final Logger LOG = Logger.getLogger(TfServingClient.class);

    /** Input names tried, in order, when a signature has several inputs. */
    static final List<String> PREFERRED_INPUTS = List.of("images", "input_image", "image", "inputs", "input", "x");
    /** Output names tried, in order, when a signature has several outputs. */
    static final List<String> PREFERRED_OUTPUTS = List.of("probabilities", "predictions", "scores", "probs", "outputs", "output",
        "logits");

    /** What a Predict call answered: the version that answered and one row of output values per instance. */
    public record Scores(long version, List<float[]> rows) {
    }

    private final Map<String, Connection> connections = new ConcurrentHashMap<>();

    @Inject
    PredictConfig config;

    /** A gRPC channel to one TF Serving target and its circuit breaker. */
    private record Connection(String target, ManagedChannel channel, CircuitBreaker breaker) {
    }

    /**
     * Reads the model's signature: the float input and the output predict uses, and the version that answered (TF Serving's latest
     * when the endpoint names none).
     */
    public ModelSignature metadata(Endpoint endpoint) {
        GetModelMetadataResponse response = call(endpoint, "GetModelMetadata", config.grpc().deadline(), true,
            stub -> stub.getModelMetadata(metadataRequest(endpoint)), this::metadataFailure);
        return signature(endpoint, response);
    }

    /**
     * Asks TF Serving once, without retries and outside the circuit breaker, whether the model answers (readiness).
     *
     * @throws ServingUnavailableException or another domain failure when it does not
     */
    public ModelSignature probe(Endpoint endpoint, Duration deadline) {
        GetModelMetadataResponse response = call(endpoint, "GetModelMetadata", deadline, false,
            stub -> stub.getModelMetadata(metadataRequest(endpoint)), this::metadataFailure);
        return signature(endpoint, response);
    }

    /**
     * Classifies instances of the same shape in one Predict call: the request tensor is {@code [n, instanceDims...]} float32 under
     * the signature's input name.
     */
    public Scores predict(Endpoint endpoint, ModelSignature model, long[] instanceDims, List<float[]> instances) {
        PredictRequest request = predictRequest(model, instanceDims, instances);
        PredictResponse response = call(endpoint, "Predict", config.grpc().deadline(), true, stub -> stub.predict(request),
            this::predictFailure);
        TensorProto output = response.getOutputsMap().get(model.outputName());
        if (output == null) {
            throw new ServingFailedException("model " + model.describe() + " answered without output '" + model.outputName()
                + "'; outputs: " + new TreeSet<>(response.getOutputsMap().keySet()));
        }
        long version = response.hasModelSpec() && response.getModelSpec().hasVersion() ? response.getModelSpec().getVersion().getValue()
            : model.version();
        return new Scores(version, rows(model, output, instances.size()));
    }

    /** The state of the circuit breaker of an endpoint's target (closed when never called). */
    public CircuitBreaker.State circuitState(Endpoint endpoint) {
        Connection connection = connections.get(endpoint.grpcTarget());
        return connection == null ? CircuitBreaker.State.CLOSED : connection.breaker().state();
    }

    private <T> T call(Endpoint endpoint, String method, Duration deadline, boolean guarded,
            Function<PredictionServiceBlockingStub, T> invocation, FailureMapper mapper) {
        Connection connection = connection(endpoint.grpcTarget());
        CircuitBreaker breaker = connection.breaker();
        if (guarded && !breaker.allow()) {
            throw new ServingUnavailableException("TF Serving at " + endpoint.grpcTarget() + " failed " + breaker.failures()
                + " calls in a row; the circuit is open, next try in " + breaker.retryIn().toMillis() + " ms");
        }
        int attempts = guarded ? Math.max(1, config.grpc().retry().maxAttempts()) : 1;
        StatusRuntimeException last = null;
        for (int attempt = 1; attempt <= attempts; attempt++) {
            try {
                PredictionServiceBlockingStub stub = PredictionServiceGrpc.newBlockingStub(connection.channel())
                    .withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS);
                T result = invocation.apply(stub);
                if (guarded) {
                    breaker.success();
                }
                return result;
            } catch (StatusRuntimeException e) {
                last = e;
                if (e.getStatus().getCode() != Status.Code.UNAVAILABLE || attempt == attempts) {
                    break;
                }
                LOG.debugf("%s on %s: UNAVAILABLE (attempt %d of %d), retrying: %s", method, endpoint.grpcTarget(), attempt, attempts,
                    e.getStatus().getDescription());
                connection.channel().resetConnectBackoff();
                pause(backoff(attempt));
            }
        }
        RuntimeException failure = mapper.map(endpoint, method, last);
        if (guarded) {
            if (failure instanceof ServingUnavailableException && !(failure instanceof ModelNotLoadedException)) {
                breaker.failure();
            } else {
                breaker.success();
            }
        }
        throw failure;
    }

    /** Maps a failed call's status to a domain exception. */
    @FunctionalInterface
    private interface FailureMapper {
        RuntimeException map(Endpoint endpoint, String method, StatusRuntimeException e);
    }

    private RuntimeException metadataFailure(Endpoint endpoint, String method, StatusRuntimeException e) {
        Status.Code code = e.getStatus().getCode();
        if (code == Status.Code.INVALID_ARGUMENT || code == Status.Code.FAILED_PRECONDITION) {
            return new ServingFailedException(describe(endpoint, method, e) + "; predict cannot read the model's signature", e);
        }
        return common(endpoint, method, e);
    }

    private RuntimeException predictFailure(Endpoint endpoint, String method, StatusRuntimeException e) {
        Status.Code code = e.getStatus().getCode();
        if (code == Status.Code.INVALID_ARGUMENT || code == Status.Code.OUT_OF_RANGE || code == Status.Code.FAILED_PRECONDITION) {
            return new RejectedInputException("TF Serving refused the tensor: " + describe(endpoint, method, e), e);
        }
        return common(endpoint, method, e);
    }

    private static RuntimeException common(Endpoint endpoint, String method, StatusRuntimeException e) {
        String what = describe(endpoint, method, e);
        return switch (e.getStatus().getCode()) {
            case UNAVAILABLE -> new ServingUnavailableException("TF Serving does not answer: " + what, e);
            case DEADLINE_EXCEEDED -> new ServingUnavailableException("TF Serving did not answer in time: " + what, e);
            case RESOURCE_EXHAUSTED, ABORTED, CANCELLED -> new ServingUnavailableException("TF Serving is busy: " + what, e);
            case NOT_FOUND -> new ModelNotLoadedException("the model is not loaded: " + what, e);
            default -> new ServingFailedException("TF Serving failed: " + what, e);
        };
    }

    private static String describe(Endpoint endpoint, String method, StatusRuntimeException e) {
        String description = e.getStatus().getDescription();
        return method + " of " + endpoint.describe() + " answered " + e.getStatus().getCode()
            + (description == null ? "" : ": " + description);
    }

    private static GetModelMetadataRequest metadataRequest(Endpoint endpoint) {
        return GetModelMetadataRequest.newBuilder()
            .setModelSpec(spec(endpoint.modelName(), endpoint.modelVersion(), endpoint.signatureName()))
            .addMetadataField("signature_def")
            .build();
    }

    private static ModelSpec spec(String name, Long version, String signature) {
        ModelSpec.Builder spec = ModelSpec.newBuilder().setName(name).setSignatureName(signature);
        if (version != null && version > 0) {
            spec.setVersion(Int64Value.of(version));
        }
        return spec.build();
    }

    private static ModelSignature signature(Endpoint endpoint, GetModelMetadataResponse response) {
        var any = response.getMetadataMap().get("signature_def");
        if (any == null) {
            throw new ServingFailedException("GetModelMetadata of " + endpoint.describe() + " answered without signature_def");
        }
        SignatureDefMap map;
        try {
            map = any.unpack(SignatureDefMap.class);
        } catch (InvalidProtocolBufferException e) {
            throw new ServingFailedException("GetModelMetadata of " + endpoint.describe() + " answered an unreadable signature_def: "
                + e.getMessage(), e);
        }
        SignatureDef signature = map.getSignatureDefMap().get(endpoint.signatureName());
        if (signature == null) {
            throw new ServingFailedException("model " + endpoint.describe() + " has no signature '" + endpoint.signatureName()
                + "'; it has " + new TreeSet<>(map.getSignatureDefMap().keySet()) + " (set signatureName on the endpoint)");
        }
        String what = "signature '" + endpoint.signatureName() + "' of " + endpoint.describe();
        String input = choose(signature.getInputsMap(), endpoint.inputName(), PREFERRED_INPUTS, what, "input");
        String output = choose(signature.getOutputsMap(), endpoint.outputName(), PREFERRED_OUTPUTS, what, "output");
        TensorInfo inputInfo = signature.getInputsMap().get(input);
        if (inputInfo.getDtype() != DataType.DT_FLOAT) {
            throw new ServingFailedException(what + ": input '" + input + "' is " + inputInfo.getDtype() + "; predict sends DT_FLOAT "
                + "pixels in [0,1]");
        }
        long version = response.hasModelSpec() && response.getModelSpec().hasVersion() ? response.getModelSpec().getVersion().getValue()
            : endpoint.modelVersion() == null ? 0 : endpoint.modelVersion();
        return new ModelSignature(endpoint.modelName(), version, endpoint.signatureName(), input, dims(inputInfo.getTensorShape()),
            output, dims(signature.getOutputsMap().get(output).getTensorShape()));
    }

    private static String choose(Map<String, TensorInfo> tensors, String announced, List<String> preferred, String what, String kind) {
        if (announced != null) {
            if (tensors.containsKey(announced)) {
                return announced;
            }
            throw new ServingFailedException(what + " has no " + kind + " '" + announced + "' (the endpoint names it); it has "
                + new TreeSet<>(tensors.keySet()));
        }
        if (tensors.size() == 1) {
            return tensors.keySet().iterator().next();
        }
        for (String name : preferred) {
            if (tensors.containsKey(name)) {
                return name;
            }
        }
        throw new ServingFailedException(what + " has " + (tensors.isEmpty() ? "no " + kind + "s" : kind + "s "
            + new TreeSet<>(tensors.keySet()) + " and none is named " + preferred) + "; predict needs one " + kind);
    }

    private static long[] dims(TensorShapeProto shape) {
        if (shape.getUnknownRank()) {
            return null;
        }
        return shape.getDimList().stream().mapToLong(TensorShapeProto.Dim::getSize).toArray();
    }

    private static PredictRequest predictRequest(ModelSignature model, long[] instanceDims, List<float[]> instances) {
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder()
            .addDim(TensorShapeProto.Dim.newBuilder().setSize(instances.size()));
        for (long d : instanceDims) {
            shape.addDim(TensorShapeProto.Dim.newBuilder().setSize(d));
        }
        int floats = instances.stream().mapToInt(a -> a.length).sum();
        ByteBuffer bytes = ByteBuffer.allocate(floats * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        FloatBuffer view = bytes.asFloatBuffer();
        instances.forEach(view::put);
        TensorProto tensor = TensorProto.newBuilder()
            .setDtype(DataType.DT_FLOAT)
            .setTensorShape(shape)
            .setTensorContent(ByteString.copyFrom(bytes.array()))
            .build();
        return PredictRequest.newBuilder()
            .setModelSpec(spec(model.modelName(), model.version(), model.signatureName()))
            .putInputs(model.inputName(), tensor)
            .addOutputFilter(model.outputName())
            .build();
    }

    private static List<float[]> rows(ModelSignature model, TensorProto output, int instances) {
        if (output.getDtype() != DataType.DT_FLOAT) {
            throw new ServingFailedException("model " + model.describe() + " answered " + output.getDtype() + " scores; predict reads "
                + "DT_FLOAT");
        }
        float[] values;
        if (!output.getTensorContent().isEmpty()) {
            FloatBuffer buffer = output.getTensorContent().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
            values = new float[buffer.remaining()];
            buffer.get(values);
        } else {
            values = new float[output.getFloatValCount()];
            for (int i = 0; i < values.length; i++) {
                values[i] = output.getFloatVal(i);
            }
        }
        long[] dims = dims(output.getTensorShape());
        if (dims == null || dims.length == 0 || dims[0] != instances || values.length % instances != 0) {
            throw new ServingFailedException("model " + model.describe() + " answered output of shape " + ModelSignature.dims(dims)
                + " with " + values.length + " values for " + instances + " instances; expected [" + instances + ",10]");
        }
        int width = values.length / instances;
        List<float[]> rows = new ArrayList<>(instances);
        for (int i = 0; i < instances; i++) {
            float[] row = new float[width];
            System.arraycopy(values, i * width, row, 0, width);
            rows.add(row);
        }
        return rows;
    }

    private Connection connection(String target) {
        return connections.computeIfAbsent(target, t -> {
            LOG.infof("connecting to TF Serving at %s (gRPC, plaintext)", t);
            ManagedChannel channel = Grpc.newChannelBuilder(t, InsecureChannelCredentials.create())
                .maxInboundMessageSize(config.grpc().maxInboundMessageSize())
                .build();
            return new Connection(t, channel, new CircuitBreaker(config.grpc().circuitBreaker().failureThreshold(),
                config.grpc().circuitBreaker().openFor()));
        });
    }

    /** Closes the channels of every target but the given one (a new endpoint moved to another TF Serving). */
    public void retainOnly(String target) {
        connections.entrySet().removeIf(entry -> {
            if (entry.getKey().equals(target)) {
                return false;
            }
            entry.getValue().channel().shutdown();
            return true;
        });
    }

    private Duration backoff(int attempt) {
        long initial = config.grpc().retry().initialBackoff().toMillis();
        long max = config.grpc().retry().maxBackoff().toMillis();
        long base = Math.min(max, initial << Math.min(attempt - 1, 20));
        long jitter = base / 5;
        return Duration.ofMillis(Math.max(0, base - jitter + ThreadLocalRandom.current().nextLong(2 * jitter + 1)));
    }

    private static void pause(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ServingUnavailableException("interrupted while waiting to retry TF Serving", e);
        }
    }

    @PreDestroy
    void close() {
        connections.values().forEach(c -> c.channel().shutdownNow());
        connections.clear();
    }
}
