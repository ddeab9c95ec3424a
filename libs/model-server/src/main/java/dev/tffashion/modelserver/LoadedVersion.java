package dev.tffashion.modelserver;

import com.google.protobuf.Int64Value;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.Tensor;
import org.tensorflow.exceptions.TFFailedPreconditionException;
import org.tensorflow.exceptions.TFInvalidArgumentException;
import org.tensorflow.exceptions.TFOutOfRangeException;
import org.tensorflow.exceptions.TFPermissionDeniedException;
import org.tensorflow.exceptions.TFResourceExhaustedException;
import org.tensorflow.exceptions.TFUnimplementedException;
import org.tensorflow.exceptions.TensorFlowException;
import org.tensorflow.proto.SignatureDef;
import org.tensorflow.proto.TensorInfo;
import org.tensorflow.proto.TensorProto;
import org.tensorflow.proto.error.Code;
import tensorflow.serving.GetModelMetadata.SignatureDefMap;
import tensorflow.serving.Model.ModelSpec;
import tensorflow.serving.Predict.PredictRequest;
import tensorflow.serving.Predict.PredictResponse;

/**
 * One loaded SavedModel version: runs Predict against its SignatureDefs and answers its metadata. Reference-counted:
 * once retired it closes only when the last in-flight request has released it.
 */
final class LoadedVersion {

    /** The signature used when a request names none, as in TF Serving. */
    static final String DEFAULT_SIGNATURE = "serving_default";

    private static final Logger LOG = Logger.getLogger(LoadedVersion.class.getName());

    private final String modelName;
    private final long version;
    private final Path dir;
    private final SavedModelBundle bundle;
    private final Map<String, SignatureDef> signatures;
    private final AtomicInteger refs = new AtomicInteger(1);
    private final Consumer<LoadedVersion> onClosed;

    private LoadedVersion(String modelName, long version, Path dir, SavedModelBundle bundle, Consumer<LoadedVersion> onClosed) {
        this.modelName = modelName;
        this.version = version;
        this.dir = dir;
        this.bundle = bundle;
        this.signatures = new TreeMap<>(bundle.metaGraphDef().getSignatureDefMap());
        this.onClosed = onClosed;
    }

    /**
     * Loads the SavedModel (tag "serve") in a version folder.
     *
     * @throws ServingException when the folder holds no loadable SavedModel
     */
    static LoadedVersion load(String modelName, long version, Path dir, Consumer<LoadedVersion> onClosed) {
        if (!Files.isRegularFile(dir.resolve("saved_model.pb")) && !Files.isRegularFile(dir.resolve("saved_model.pbtxt"))) {
            throw ServingException.notFound("Could not find SavedModel .pb or .pbtxt at supplied export directory path: " + dir
                + " (a version folder must hold a SavedModel: saved_model.pb and variables/)");
        }
        SavedModelBundle bundle;
        try {
            bundle = SavedModelBundle.load(dir.toString(), SavedModelBundle.DEFAULT_TAG);
        } catch (TensorFlowException | TFInvalidArgumentException | TFUnimplementedException e) {
            throw new ServingException(codeOf(e), "Failed to load SavedModel from " + dir + ": " + e.getMessage(), e);
        }
        LoadedVersion loaded = new LoadedVersion(modelName, version, dir, bundle, onClosed);
        if (loaded.signatures.isEmpty()) {
            LOG.warning(() -> "Model " + modelName + " version " + version + " has no SignatureDef: Predict cannot run it");
        }
        return loaded;
    }

    long version() {
        return version;
    }

    Path dir() {
        return dir;
    }

    Map<String, SignatureDef> signatures() {
        return signatures;
    }

    /** Takes a reference for one request; false when this version is already closing. */
    boolean tryAcquire() {
        int r;
        do {
            r = refs.get();
            if (r == 0) {
                return false;
            }
        } while (!refs.compareAndSet(r, r + 1));
        return true;
    }

    /** Ends one request's reference; the last reference of a retired version closes it. */
    void release() {
        if (refs.decrementAndGet() == 0) {
            try {
                bundle.close();
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "Closing model " + modelName + " version " + version + " failed", e);
            }
            onClosed.accept(this);
        }
    }

    /** Drops the owner's reference: the version closes once its in-flight requests end. */
    void retire() {
        release();
    }

    SignatureDefMap signatureDefMap() {
        return SignatureDefMap.newBuilder().putAllSignatureDef(signatures).build();
    }

    ModelSpec modelSpec(String signatureName) {
        return ModelSpec.newBuilder()
            .setName(modelName)
            .setVersion(Int64Value.of(version))
            .setSignatureName(signatureName)
            .build();
    }

    /** The signature a request names (serving_default when it names none). */
    SignatureDef signature(String requested) {
        String name = requested.isEmpty() ? DEFAULT_SIGNATURE : requested;
        SignatureDef signature = signatures.get(name);
        if (signature == null) {
            throw ServingException.failedPrecondition("Serving signature key \"" + name + "\" not found in model " + modelName
                + " version " + version + "; it has " + signatures.keySet());
        }
        return signature;
    }

    PredictResponse predict(PredictRequest request) {
        String signatureName = request.getModelSpec().getSignatureName().isEmpty()
            ? DEFAULT_SIGNATURE : request.getModelSpec().getSignatureName();
        SignatureDef signature = signature(signatureName);
        Map<String, TensorInfo> expectedInputs = signature.getInputsMap();
        Map<String, TensorProto> inputs = request.getInputsMap();
        for (String alias : inputs.keySet()) {
            if (!expectedInputs.containsKey(alias)) {
                throw ServingException.invalidArgument("input tensor alias not found in signature: " + alias
                    + ". Inputs expected to be in the set " + new TreeSet<>(expectedInputs.keySet()) + ".");
            }
        }
        Set<String> missing = new TreeSet<>(expectedInputs.keySet());
        missing.removeAll(inputs.keySet());
        if (!missing.isEmpty()) {
            throw ServingException.invalidArgument("Request inputs do not match required inputs for model `" + modelName
                + "`. Missing but required: " + missing + ".");
        }
        for (Map.Entry<String, TensorProto> input : inputs.entrySet()) {
            checkInput(input.getKey(), expectedInputs.get(input.getKey()), input.getValue());
        }
        List<String> outputAliases = outputAliases(signature, request.getOutputFilterList());

        Session.Runner runner = bundle.session().runner();
        List<Tensor> fed = new ArrayList<>();
        try {
            for (Map.Entry<String, TensorProto> input : inputs.entrySet()) {
                Tensor tensor = TensorConversion.toTensor(input.getKey(), input.getValue());
                fed.add(tensor);
                runner.feed(expectedInputs.get(input.getKey()).getName(), tensor);
            }
            for (String alias : outputAliases) {
                runner.fetch(signature.getOutputsOrThrow(alias).getName());
            }
            PredictResponse.Builder response = PredictResponse.newBuilder().setModelSpec(modelSpec(signatureName));
            try (Result result = runner.run()) {
                for (int i = 0; i < outputAliases.size(); i++) {
                    response.putOutputs(outputAliases.get(i), TensorConversion.toProto(outputAliases.get(i), result.get(i)));
                }
            }
            return response.build();
        } catch (TensorFlowException | TFInvalidArgumentException | TFUnimplementedException e) {
            throw new ServingException(codeOf(e), e.getMessage(), e);
        } finally {
            fed.forEach(Tensor::close);
        }
    }

    private static void checkInput(String alias, TensorInfo info, TensorProto tensor) {
        if (info.getEncodingCase() != TensorInfo.EncodingCase.NAME) {
            throw ServingException.unimplemented("input '" + alias + "' is a " + info.getEncodingCase()
                + " tensor; this server feeds dense tensors only");
        }
        long[] expected = TensorConversion.dims(info.getTensorShape());
        String expectation = "input '" + alias + "' expects dtype " + info.getDtype() + " and shape "
            + TensorConversion.shapeString(expected) + " (-1: any size)";
        if (tensor.getDtype() != info.getDtype()) {
            throw ServingException.invalidArgument(expectation + ", got dtype " + tensor.getDtype());
        }
        long[] actual = TensorConversion.dims(tensor.getTensorShape());
        if (actual == null) {
            throw ServingException.invalidArgument(expectation + ", got a tensor without a shape");
        }
        if (!TensorConversion.compatible(expected, actual)) {
            throw ServingException.invalidArgument(expectation + ", got shape " + TensorConversion.shapeString(actual));
        }
    }

    private static List<String> outputAliases(SignatureDef signature, List<String> filter) {
        Set<String> aliases = new LinkedHashSet<>();
        for (String alias : filter.isEmpty() ? new TreeSet<>(signature.getOutputsMap().keySet()) : filter) {
            if (!signature.getOutputsMap().containsKey(alias)) {
                throw ServingException.invalidArgument("output tensor alias not found in signature: " + alias
                    + " Outputs expected to be in the set " + new TreeSet<>(signature.getOutputsMap().keySet()) + ".");
            }
            if (!aliases.add(alias)) {
                throw ServingException.invalidArgument("duplicate output tensor alias in output_filter: " + alias);
            }
            TensorInfo info = signature.getOutputsOrThrow(alias);
            if (info.getEncodingCase() != TensorInfo.EncodingCase.NAME) {
                throw ServingException.unimplemented("output '" + alias + "' is a " + info.getEncodingCase()
                    + " tensor; this server fetches dense tensors only");
            }
        }
        return new ArrayList<>(aliases);
    }

    static Code codeOf(RuntimeException e) {
        if (e instanceof TFInvalidArgumentException) {
            return Code.INVALID_ARGUMENT;
        } else if (e instanceof TFFailedPreconditionException) {
            return Code.FAILED_PRECONDITION;
        } else if (e instanceof TFOutOfRangeException) {
            return Code.OUT_OF_RANGE;
        } else if (e instanceof TFUnimplementedException) {
            return Code.UNIMPLEMENTED;
        } else if (e instanceof TFResourceExhaustedException) {
            return Code.RESOURCE_EXHAUSTED;
        } else if (e instanceof TFPermissionDeniedException) {
            return Code.PERMISSION_DENIED;
        }
        return Code.UNKNOWN;
    }

    @Override
    public String toString() {
        return modelName + " version " + version + " (" + dir + ")";
    }
}
