package dev.tffashion.tfserving.client;

import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;

import org.eclipse.microprofile.faulttolerance.exceptions.CircuitBreakerOpenException;
import org.jboss.logging.Logger;
import org.tensorflow.proto.SignatureDef;
import org.tensorflow.proto.TensorInfo;
import org.tensorflow.proto.TensorProto;

import com.google.protobuf.Int64Value;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.TextFormat;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.smallrye.faulttolerance.api.CircuitBreakerState;
import io.smallrye.faulttolerance.api.Guard;
import tensorflow.serving.GetModelMetadata.GetModelMetadataRequest;
import tensorflow.serving.GetModelMetadata.GetModelMetadataResponse;
import tensorflow.serving.GetModelMetadata.SignatureDefMap;
import tensorflow.serving.GetModelStatus.GetModelStatusRequest;
import tensorflow.serving.GetModelStatus.GetModelStatusResponse;
import tensorflow.serving.GetModelStatus.ModelVersionStatus;
import tensorflow.serving.FileSystemStoragePathSource.FileSystemStoragePathSourceConfig.ServableVersionPolicy;
import tensorflow.serving.Model.ModelSpec;
import tensorflow.serving.ModelManagement.ReloadConfigRequest;
import tensorflow.serving.ModelManagement.ReloadConfigResponse;
import tensorflow.serving.ModelServerConfigOuterClass.ModelConfig;
import tensorflow.serving.ModelServerConfigOuterClass.ModelConfigList;
import tensorflow.serving.ModelServerConfigOuterClass.ModelServerConfig;
import tensorflow.serving.ModelServiceGrpc;
import tensorflow.serving.Predict.PredictRequest;
import tensorflow.serving.Predict.PredictResponse;
import tensorflow.serving.PredictionServiceGrpc;

/**
 * The client of one TF Serving gRPC target: GetModelMetadata (resolved by {@link SignatureResolver}), GetModelStatus and Predict,
 * each with a deadline, failures mapped by {@link TfServingStatus}. Calls are guarded by SmallRye Fault Tolerance: retries with
 * exponential backoff and jitter while the server does not answer, and this target's own circuit breaker, which counts only
 * attempts the server did not answer (NOT_FOUND or a refused tensor are answers). Generated types stay inside: callers see
 * {@link ServingSignature}, {@link VersionStatus}, {@link FloatBatch}, {@link Scores} and {@link TfServingException}.
 */
public final class TfServingConnection implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(TfServingConnection.class);

    private final String target;
    private final TfServingSettings settings;
    private final ManagedChannel channel;
    private final Guard guard;
    private volatile CircuitBreakerState circuit = CircuitBreakerState.CLOSED;

    public TfServingConnection(String target, TfServingSettings settings) {
        this(target, settings, java.util.List.of());
    }

    /** A client whose calls go through the interceptors (tracing). */
    public TfServingConnection(String target, TfServingSettings settings, java.util.List<io.grpc.ClientInterceptor> interceptors) {
        this.target = target;
        this.settings = settings;
        this.channel = TfServingChannels.open(target, settings.channel(), interceptors);
        this.guard = guard(settings);
    }

    /** The gRPC target ({@code host:port}). */
    public String target() {
        return target;
    }

    /** The state of this target's circuit breaker (CLOSED when there is none). */
    public CircuitBreakerState circuitState() {
        return circuit;
    }

    /**
     * The model's signature, with the input and output chosen by {@link SignatureResolver}, and the version that answered (TF
     * Serving's latest when the reference names none). Guarded (retries, circuit breaker).
     *
     * @param input the input name an endpoint announces, or null to choose
     * @param output the output name an endpoint announces, or null to choose
     */
    public ServingSignature metadata(ModelRef model, String input, String output) {
        GetModelMetadataResponse response = guarded(() -> metadataCall(model, settings.deadline()), GetModelMetadataResponse.class);
        return signature(model, response, input, output);
    }

    /** The same as {@link #metadata} in one attempt with its own deadline, outside the circuit breaker (readiness probes). */
    public ServingSignature probe(ModelRef model, String input, String output, Duration deadline) {
        return signature(model, metadataCall(model, deadline), input, output);
    }

    /** What the server says of one version; {@link VersionStatus.State#UNKNOWN} while it has not seen it (NOT_FOUND). Guarded. */
    public VersionStatus status(String model, long version) {
        GetModelStatusRequest request = GetModelStatusRequest.newBuilder()
            .setModelSpec(ModelSpec.newBuilder().setName(model).setVersion(Int64Value.of(version))).build();
        String what = model + " v" + version;
        GetModelStatusResponse response = guarded(() -> call(TfServingStatus.Call.GET_MODEL_STATUS, what, settings.deadline(),
            d -> ModelServiceGrpc.newBlockingStub(channel).withDeadlineAfter(d.toMillis(), TimeUnit.MILLISECONDS)
                .getModelStatus(request), true), GetModelStatusResponse.class);
        if (response == null) {
            return new VersionStatus(version, VersionStatus.State.UNKNOWN, null);
        }
        for (ModelVersionStatus status : response.getModelVersionStatusList()) {
            if (status.getVersion() == version) {
                String error = status.hasStatus() && status.getStatus().getErrorCodeValue() != 0
                    ? status.getStatus().getErrorCode() + ": " + status.getStatus().getErrorMessage() : null;
                return new VersionStatus(version, state(status.getState()), error);
            }
        }
        return new VersionStatus(version, VersionStatus.State.UNKNOWN, null);
    }

    /**
     * Replaces the server's model config (ModelService.HandleReloadConfigRequest) with one TensorFlow model read from
     * {@code basePath}: the given versions ({@code specific} version policy; empty: TF Serving's default, the latest) and version
     * labels. TF Serving loads the versions it lacks, unloads the others, and refuses a label on a version that is not AVAILABLE
     * (set labels once their versions are loaded). One attempt, not guarded.
     */
    public void reloadConfig(String model, String basePath, Collection<Long> versions, Map<String, Long> labels) {
        ReloadConfigRequest request = ReloadConfigRequest.newBuilder().setConfig(modelConfig(model, basePath, versions, labels)).build();
        String what = model + " (versions " + (versions.isEmpty() ? "latest" : versions) + ", labels " + labels + ")";
        ReloadConfigResponse response = call(TfServingStatus.Call.RELOAD_CONFIG, what, settings.deadline(),
            d -> ModelServiceGrpc.newBlockingStub(channel).withDeadlineAfter(d.toMillis(), TimeUnit.MILLISECONDS)
                .handleReloadConfigRequest(request), false);
        if (response.hasStatus() && response.getStatus().getErrorCodeValue() != 0) {
            throw new TfServingException(TfServingException.Kind.FAILED, "TF Serving at " + target + " refused the model config of "
                + what + ": " + response.getStatus().getErrorCode() + ": " + response.getStatus().getErrorMessage());
        }
    }

    /** The model config {@link #reloadConfig} sends, in protobuf text format (what TF Serving's --model_config_file reads). */
    public static String modelConfigText(String model, String basePath, Collection<Long> versions, Map<String, Long> labels) {
        return TextFormat.printer().printToString(modelConfig(model, basePath, versions, labels));
    }

    private static ModelServerConfig modelConfig(String model, String basePath, Collection<Long> versions, Map<String, Long> labels) {
        ModelConfig.Builder config = ModelConfig.newBuilder().setName(model).setBasePath(basePath).setModelPlatform("tensorflow")
            .putAllVersionLabels(labels);
        if (!versions.isEmpty()) {
            config.setModelVersionPolicy(ServableVersionPolicy.newBuilder().setSpecific(
                ServableVersionPolicy.Specific.newBuilder().addAllVersions(new TreeSet<>(versions))));
        }
        return ModelServerConfig.newBuilder().setModelConfigList(ModelConfigList.newBuilder().addConfig(config)).build();
    }

    /**
     * Runs Predict on the signature's version (TF Serving's latest when it is 0) with the batch under the signature's input, and
     * returns the signature's output, one row per instance. Guarded.
     */
    public Scores predict(ServingSignature signature, FloatBatch batch) {
        PredictRequest request = PredictRequest.newBuilder()
            .setModelSpec(spec(signature.modelName(), signature.version(), signature.signatureName()))
            .putInputs(signature.inputName(), FloatTensors.encode(batch))
            .addOutputFilter(signature.outputName())
            .build();
        String what = signature.modelName() + (signature.version() > 0 ? " v" + signature.version() : "");
        PredictResponse response = guarded(() -> call(TfServingStatus.Call.PREDICT, what, settings.deadline(),
            deadline -> PredictionServiceGrpc.newBlockingStub(channel).withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS)
                .predict(request), false), PredictResponse.class);
        TensorProto output = response.getOutputsMap().get(signature.outputName());
        if (output == null) {
            throw new TfServingException(TfServingException.Kind.FAILED, "Predict of " + signature.describe() + " at " + target
                + " answered without output '" + signature.outputName() + "'; outputs: "
                + new TreeSet<>(response.getOutputsMap().keySet()));
        }
        long version = response.hasModelSpec() && response.getModelSpec().hasVersion() ? response.getModelSpec().getVersion().getValue()
            : signature.version();
        return new Scores(version, FloatTensors.decode("model " + signature.describe() + " at " + target, output, batch.instances()));
    }

    private GetModelMetadataResponse metadataCall(ModelRef model, Duration deadline) {
        GetModelMetadataRequest request = GetModelMetadataRequest.newBuilder()
            .setModelSpec(spec(model.name(), model.version() == null ? 0 : model.version(), model.signatureName()))
            .addMetadataField("signature_def")
            .build();
        return call(TfServingStatus.Call.GET_MODEL_METADATA, model.describe(), deadline,
            d -> PredictionServiceGrpc.newBlockingStub(channel).withDeadlineAfter(d.toMillis(), TimeUnit.MILLISECONDS)
                .getModelMetadata(request), false);
    }

    /** One attempt: the call, or its failure mapped to the domain; null for NOT_FOUND when {@code notFoundIsNull}. */
    private <T> T call(TfServingStatus.Call call, String what, Duration deadline, Function<Duration, T> invocation,
            boolean notFoundIsNull) {
        try {
            return invocation.apply(deadline);
        } catch (StatusRuntimeException e) {
            if (notFoundIsNull && e.getStatus().getCode() == Status.Code.NOT_FOUND) {
                return null;
            }
            throw TfServingStatus.map(call, what, target, e);
        }
    }

    private <T> T guarded(Supplier<T> attempt, Class<T> type) {
        if (guard == null) {
            return attempt.get();
        }
        try {
            return guard.get(attempt, type);
        } catch (CircuitBreakerOpenException e) {
            throw new TfServingException(TfServingException.Kind.UNAVAILABLE, "TF Serving at " + target + " did not answer "
                + settings.breaker().failureThreshold() + " attempts in a row; the circuit is open, a trial call goes through "
                + settings.breaker().openFor().toMillis() + " ms after it opened", e);
        }
    }

    private Guard guard(TfServingSettings settings) {
        TfServingSettings.Retry retry = settings.retry();
        TfServingSettings.Breaker breaker = settings.breaker();
        if (retry.maxAttempts() <= 1 && breaker.failureThreshold() == 0) {
            return null;
        }
        Guard.Builder builder = Guard.create().withDescription("TF Serving at " + target);
        if (retry.maxAttempts() > 1) {
            builder.withRetry()
                .maxRetries(retry.maxAttempts() - 1)
                .delay(retry.initialBackoff().toMillis(), ChronoUnit.MILLIS)
                .jitter(retry.initialBackoff().toMillis() / 5, ChronoUnit.MILLIS)
                .maxDuration(0, ChronoUnit.MILLIS)
                .whenException(TfServingConnection::unanswered)
                .beforeRetry(e -> {
                    LOG.debugf("retrying a call to TF Serving at %s: %s", target, e.getMessage());
                    channel.resetConnectBackoff();
                })
                .withExponentialBackoff().factor(2).maxDelay(retry.maxBackoff().toMillis(), ChronoUnit.MILLIS).done()
                .done();
        }
        if (breaker.failureThreshold() > 0) {
            builder.withCircuitBreaker()
                .requestVolumeThreshold(breaker.failureThreshold())
                .failureRatio(1.0)
                .delay(breaker.openFor().toMillis(), ChronoUnit.MILLIS)
                .successThreshold(1)
                .when(TfServingConnection::unanswered)
                .onStateChange(state -> {
                    LOG.infof("circuit breaker of TF Serving at %s: %s", target, state);
                    circuit = state;
                })
                .done();
        }
        return builder.build();
    }

    private static boolean unanswered(Throwable e) {
        return e instanceof TfServingException t && t.unavailable();
    }

    private ServingSignature signature(ModelRef model, GetModelMetadataResponse response, String input, String output) {
        String what = "model " + model.describe() + " at " + target;
        var any = response.getMetadataMap().get("signature_def");
        if (any == null) {
            throw new TfServingException(TfServingException.Kind.FAILED, "GetModelMetadata of " + what + " answered without signature_def");
        }
        SignatureDefMap map;
        try {
            map = any.unpack(SignatureDefMap.class);
        } catch (InvalidProtocolBufferException e) {
            throw new TfServingException(TfServingException.Kind.FAILED, "GetModelMetadata of " + what
                + " answered an unreadable signature_def: " + e.getMessage(), e);
        }
        SignatureDef def = map.getSignatureDefMap().get(model.signatureName());
        if (def == null) {
            throw new TfServingException(TfServingException.Kind.FAILED, what + " has no signature '" + model.signatureName()
                + "'; it has " + new TreeSet<>(map.getSignatureDefMap().keySet()) + " (name one of them as the signature)");
        }
        long version = response.hasModelSpec() && response.getModelSpec().hasVersion() ? response.getModelSpec().getVersion().getValue()
            : model.version() == null ? 0 : model.version();
        String signatureWhat = "signature '" + model.signatureName() + "' of " + model.name() + " v" + version;
        Map<String, SignatureResolver.TensorSpec> inputs = specs(def.getInputsMap(), def);
        Map<String, SignatureResolver.TensorSpec> outputs = specs(def.getOutputsMap(), null);
        SignatureResolver.Choice choice = SignatureResolver.resolve(signatureWhat, inputs, outputs, input, output);
        return new ServingSignature(model.name(), version, model.signatureName(), choice.input(), inputs.get(choice.input()).dims(),
            choice.output(), outputs.get(choice.output()).dims());
    }

    private static Map<String, SignatureResolver.TensorSpec> specs(Map<String, TensorInfo> tensors, SignatureDef defaults) {
        Map<String, SignatureResolver.TensorSpec> specs = new LinkedHashMap<>();
        tensors.forEach((name, info) -> specs.put(name, new SignatureResolver.TensorSpec(info.getDtype().name(),
            FloatTensors.dims(info.getTensorShape()), defaults != null && defaults.containsDefaults(name))));
        return specs;
    }

    private static ModelSpec spec(String name, long version, String signature) {
        ModelSpec.Builder spec = ModelSpec.newBuilder().setName(name).setSignatureName(signature);
        if (version > 0) {
            spec.setVersion(Int64Value.of(version));
        }
        return spec.build();
    }

    private static VersionStatus.State state(ModelVersionStatus.State state) {
        return switch (state) {
            case START -> VersionStatus.State.START;
            case LOADING -> VersionStatus.State.LOADING;
            case AVAILABLE -> VersionStatus.State.AVAILABLE;
            case UNLOADING -> VersionStatus.State.UNLOADING;
            case END -> VersionStatus.State.END;
            default -> VersionStatus.State.UNKNOWN;
        };
    }

    @Override
    public void close() {
        TfServingChannels.close(channel);
    }
}
