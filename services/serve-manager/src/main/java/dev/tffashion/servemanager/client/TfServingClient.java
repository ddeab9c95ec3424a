package dev.tffashion.servemanager.client;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

import org.tensorflow.proto.DataType;
import org.tensorflow.proto.SignatureDef;
import org.tensorflow.proto.TensorInfo;
import org.tensorflow.proto.TensorProto;
import org.tensorflow.proto.TensorShapeProto;

import com.google.protobuf.Int64Value;
import com.google.protobuf.InvalidProtocolBufferException;

import dev.tffashion.servemanager.ModelServerException;
import dev.tffashion.servemanager.ModelVersionState;
import dev.tffashion.servemanager.ServedSignature;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import tensorflow.serving.GetModelMetadata.GetModelMetadataRequest;
import tensorflow.serving.GetModelMetadata.GetModelMetadataResponse;
import tensorflow.serving.GetModelMetadata.SignatureDefMap;
import tensorflow.serving.GetModelStatus.GetModelStatusRequest;
import tensorflow.serving.GetModelStatus.GetModelStatusResponse;
import tensorflow.serving.GetModelStatus.ModelVersionStatus;
import tensorflow.serving.Model.ModelSpec;
import tensorflow.serving.ModelServiceGrpc;
import tensorflow.serving.Predict.PredictRequest;
import tensorflow.serving.Predict.PredictResponse;
import tensorflow.serving.PredictionServiceGrpc;

/**
 * The serve-manager's one client of TF Serving's gRPC API (ModelService.GetModelStatus, PredictionService.GetModelMetadata and
 * Predict), for the embedded server and the real one alike. Generated types stay in here: callers see {@link ModelVersionState},
 * {@link ServedSignature}, float arrays and {@link ModelServerException}. Every call has a deadline.
 */
public final class TfServingClient implements AutoCloseable {

    private static final List<String> PREFERRED_INPUTS = List.of("images", "image", "input", "inputs", "x");
    private static final List<String> PREFERRED_OUTPUTS = List.of("probabilities", "probs", "output", "outputs", "predictions");

    private final String target;
    private final Duration timeout;
    private final ManagedChannel channel;

    public TfServingClient(String target, Duration timeout) {
        this.target = target;
        this.timeout = timeout;
        this.channel = NettyChannelBuilder.forTarget(target).usePlaintext().maxInboundMessageSize(64 * 1024 * 1024).build();
    }

    /** The gRPC target this client talks to. */
    public String target() {
        return target;
    }

    /** The state of one version; {@link ModelVersionState.State#UNKNOWN} while the server has not seen it. */
    public ModelVersionState status(String model, long version) {
        GetModelStatusRequest request = GetModelStatusRequest.newBuilder()
                .setModelSpec(ModelSpec.newBuilder().setName(model).setVersion(Int64Value.of(version))).build();
        GetModelStatusResponse response;
        try {
            response = ModelServiceGrpc.newBlockingStub(channel).withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS)
                    .getModelStatus(request);
        } catch (StatusRuntimeException e) {
            if (e.getStatus().getCode() == Status.Code.NOT_FOUND) {
                return new ModelVersionState(version, ModelVersionState.State.UNKNOWN, null);
            }
            throw failure("GetModelStatus of " + model + " version " + version, e);
        }
        for (ModelVersionStatus status : response.getModelVersionStatusList()) {
            if (status.getVersion() == version) {
                String error = status.hasStatus() && status.getStatus().getErrorCodeValue() != 0
                        ? status.getStatus().getErrorCode() + ": " + status.getStatus().getErrorMessage() : null;
                return new ModelVersionState(version, state(status.getState()), error);
            }
        }
        return new ModelVersionState(version, ModelVersionState.State.UNKNOWN, null);
    }

    /** The input and output of a version's signature, from GetModelMetadata. */
    public ServedSignature signature(String model, long version, String signatureName) {
        GetModelMetadataRequest request = GetModelMetadataRequest.newBuilder()
                .setModelSpec(spec(model, version, signatureName)).addMetadataField("signature_def").build();
        GetModelMetadataResponse response;
        try {
            response = PredictionServiceGrpc.newBlockingStub(channel).withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS)
                    .getModelMetadata(request);
        } catch (StatusRuntimeException e) {
            throw failure("GetModelMetadata of " + model + " version " + version, e);
        }
        SignatureDefMap map;
        try {
            var any = response.getMetadataMap().get("signature_def");
            if (any == null) {
                throw new ModelServerException("GetModelMetadata of " + model + " version " + version + " at " + target
                        + " answered without signature_def", false, null);
            }
            map = any.unpack(SignatureDefMap.class);
        } catch (InvalidProtocolBufferException e) {
            throw new ModelServerException("GetModelMetadata at " + target + " answered an unreadable signature_def: " + e.getMessage(),
                    false, e);
        }
        SignatureDef def = map.getSignatureDefMap().get(signatureName);
        if (def == null) {
            throw new ModelServerException("version " + version + " of model " + model + " has no signature '" + signatureName
                    + "'; it has " + new TreeSet<>(map.getSignatureDefMap().keySet()) + " (set serving.signature-name)", false, null);
        }
        String input = choose(def.getInputsMap(), PREFERRED_INPUTS, signatureName, "input");
        String output = choose(def.getOutputsMap(), PREFERRED_OUTPUTS, signatureName, "output");
        TensorInfo info = def.getInputsMap().get(input);
        if (info.getDtype() != DataType.DT_FLOAT) {
            throw new ModelServerException("signature '" + signatureName + "' input '" + input + "' is " + info.getDtype()
                    + "; images are sent as DT_FLOAT in [0,1]", false, null);
        }
        long[] shape = info.getTensorShape().getUnknownRank() ? new long[0]
                : info.getTensorShape().getDimList().stream().mapToLong(TensorShapeProto.Dim::getSize).toArray();
        return new ServedSignature(signatureName, input, shape, output);
    }

    /** Runs Predict on one version with a float input of the given shape; returns the output, one row per image. */
    public float[][] predict(String model, long version, ServedSignature signature, float[] values, long[] shape) {
        TensorShapeProto.Builder dims = TensorShapeProto.newBuilder();
        for (long d : shape) {
            dims.addDim(TensorShapeProto.Dim.newBuilder().setSize(d));
        }
        TensorProto.Builder tensor = TensorProto.newBuilder().setDtype(DataType.DT_FLOAT).setTensorShape(dims);
        for (float v : values) {
            tensor.addFloatVal(v);
        }
        PredictRequest request = PredictRequest.newBuilder().setModelSpec(spec(model, version, signature.name()))
                .putInputs(signature.inputName(), tensor.build()).addOutputFilter(signature.outputName()).build();
        PredictResponse response;
        try {
            response = PredictionServiceGrpc.newBlockingStub(channel).withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS)
                    .predict(request);
        } catch (StatusRuntimeException e) {
            throw failure("Predict on " + model + " version " + version, e);
        }
        TensorProto out = response.getOutputsMap().get(signature.outputName());
        if (out == null) {
            throw new ModelServerException("Predict on " + model + " version " + version + " answered without output '"
                    + signature.outputName() + "'", false, null);
        }
        return rows(out, (int) shape[0]);
    }

    private static float[][] rows(TensorProto out, int n) {
        float[] flat;
        if (out.getFloatValCount() > 0) {
            flat = new float[out.getFloatValCount()];
            for (int i = 0; i < flat.length; i++) {
                flat[i] = out.getFloatVal(i);
            }
        } else {
            java.nio.FloatBuffer buffer = out.getTensorContent().asReadOnlyByteBuffer().order(java.nio.ByteOrder.LITTLE_ENDIAN)
                    .asFloatBuffer();
            flat = new float[buffer.remaining()];
            buffer.get(flat);
        }
        if (n == 0 || flat.length % n != 0) {
            throw new ModelServerException("Predict answered " + flat.length + " values for " + n + " images", false, null);
        }
        int width = flat.length / n;
        float[][] rows = new float[n][width];
        for (int i = 0; i < n; i++) {
            System.arraycopy(flat, i * width, rows[i], 0, width);
        }
        return rows;
    }

    private static ModelSpec spec(String model, long version, String signatureName) {
        return ModelSpec.newBuilder().setName(model).setVersion(Int64Value.of(version)).setSignatureName(signatureName).build();
    }

    private static String choose(Map<String, TensorInfo> tensors, List<String> preferred, String signature, String kind) {
        if (tensors.size() == 1) {
            return tensors.keySet().iterator().next();
        }
        for (String name : preferred) {
            if (tensors.containsKey(name)) {
                return name;
            }
        }
        throw new ModelServerException("signature '" + signature + "' has " + kind + "s " + new TreeSet<>(tensors.keySet())
                + "; cannot tell which to use (expected one, or one named " + preferred + ")", false, null);
    }

    private static ModelVersionState.State state(ModelVersionStatus.State state) {
        return switch (state) {
            case START -> ModelVersionState.State.START;
            case LOADING -> ModelVersionState.State.LOADING;
            case AVAILABLE -> ModelVersionState.State.AVAILABLE;
            case UNLOADING -> ModelVersionState.State.UNLOADING;
            case END -> ModelVersionState.State.END;
            default -> ModelVersionState.State.UNKNOWN;
        };
    }

    private ModelServerException failure(String call, StatusRuntimeException e) {
        Status.Code code = e.getStatus().getCode();
        boolean unavailable = code == Status.Code.UNAVAILABLE || code == Status.Code.DEADLINE_EXCEEDED;
        String description = e.getStatus().getDescription();
        String what = switch (code) {
            case UNAVAILABLE -> "the model server is not reachable";
            case DEADLINE_EXCEEDED -> "no answer within " + timeout.toMillis() + " ms";
            case NOT_FOUND -> "model not loaded";
            default -> "answered " + code;
        };
        return new ModelServerException(call + " at " + target + ": " + what + (description == null ? "" : " (" + description + ")"),
                unavailable, e);
    }

    @Override
    public void close() {
        channel.shutdown();
        try {
            if (!channel.awaitTermination(5, TimeUnit.SECONDS)) {
                channel.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            channel.shutdownNow();
        }
    }
}
