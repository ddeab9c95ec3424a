package dev.tffashion.modelserver;

import com.google.protobuf.Int64Value;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
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
    /** The method name of Predict signatures. */
    static final String PREDICT_METHOD = "tensorflow/serving/predict";

    private static final Logger LOG = Logger.getLogger(LoadedVersion.class.getName());

    private final String modelName;
    private final long version;
    private final Path dir;
    private final LoadedGraph graph;
    private final Map<String, SignatureDef> signatures;
    private final AtomicInteger refs = new AtomicInteger(1);
    private final Consumer<LoadedVersion> onClosed;
    private final BatchScheduler batching;
    private final ServingMetrics metrics;
    private final boolean methodNameCheck;

    private LoadedVersion(String modelName, long version, Path dir, LoadedGraph graph, Consumer<LoadedVersion> onClosed,
                          ServingContext context) {
        this.batching = context.batching();
        this.metrics = context.metrics();
        this.methodNameCheck = context.methodNameCheck();
        this.modelName = modelName;
        this.version = version;
        this.dir = dir;
        this.graph = graph;
        this.signatures = new TreeMap<>(graph.metaGraph().getSignatureDefMap());
        this.onClosed = onClosed;
    }

    /**
     * Loads the SavedModel (tag "serve") in a version folder.
     *
     * @throws ServingException when the folder holds no loadable SavedModel
     */
    static LoadedVersion load(String modelName, long version, Path dir, Consumer<LoadedVersion> onClosed, ServingContext context) {
        if (!Files.isRegularFile(dir.resolve("saved_model.pb")) && !Files.isRegularFile(dir.resolve("saved_model.pbtxt"))) {
            throw ServingException.notFound("Could not find SavedModel .pb or .pbtxt at supplied export directory path: " + dir
                + " (a version folder must hold a SavedModel: saved_model.pb and variables/)");
        }
        LoadedGraph graph;
        long start = System.nanoTime();
        try {
            graph = LoadedGraph.load(dir, context.sessionConfig(), context.tags());
        } catch (TensorFlowException | TFInvalidArgumentException | TFUnimplementedException e) {
            context.metrics().loadAttempt(dir, false, System.nanoTime() - start);
            throw new ServingException(codeOf(e), "Failed to load SavedModel from " + dir + ": " + e.getMessage(), e);
        }
        context.metrics().loadAttempt(dir, true, System.nanoTime() - start);
        LoadedVersion loaded = new LoadedVersion(modelName, version, dir, graph, onClosed, context);
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

    String modelName() {
        return modelName;
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
                graph.close();
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

    /** Whether signatures must name the method a request calls (--enable_signature_method_name_check; off by default). */
    boolean methodNameCheck() {
        return methodNameCheck;
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

    /**
     * TF Serving's Predict: the named inputs are fed as they are (their dtype and shape are left to the graph, which
     * answers INVALID_ARGUMENT with TensorFlow's own message), the outputs are the signature's or the output_filter's.
     */
    PredictResponse predict(PredictRequest request) {
        String signatureName = request.getModelSpec().getSignatureName().isEmpty()
            ? DEFAULT_SIGNATURE : request.getModelSpec().getSignatureName();
        SignatureDef signature = signature(signatureName);
        String method = signature.getMethodName();
        if (methodNameCheck && !method.equals(PREDICT_METHOD) && !method.equals(ExampleInference.CLASSIFY_METHOD)
            && !method.equals(ExampleInference.REGRESS_METHOD)) {
            throw new ServingException(Code.INTERNAL, "Expected prediction signature method_name to be one of {"
                + PREDICT_METHOD + ", " + ExampleInference.CLASSIFY_METHOD + ", " + ExampleInference.REGRESS_METHOD + "}. Was: "
                + method);
        }
        Map<String, TensorInfo> expectedInputs = signature.getInputsMap();
        Map<String, TensorProto> inputs = request.getInputsMap();
        if (inputs.size() > expectedInputs.size()
            || (inputs.size() < expectedInputs.size() && signature.getDefaultsMap().isEmpty())) {
            Set<String> sent = new TreeSet<>(inputs.keySet());
            Set<String> expected = new TreeSet<>(expectedInputs.keySet());
            Set<String> extra = new TreeSet<>(sent);
            extra.removeAll(expected);
            Set<String> missing = new TreeSet<>(expected);
            missing.removeAll(sent);
            throw ServingException.invalidArgument("input size does not match signature: " + inputs.size() + "!="
                + expectedInputs.size() + " len({" + String.join(",", sent) + "}) != len({" + String.join(",", expected)
                + "}). Sent extra: {" + String.join(",", extra) + "}. Missing but required: {" + String.join(",", missing) + "}.");
        }
        Map<String, TensorProto> feeds = new LinkedHashMap<>();
        for (Map.Entry<String, TensorProto> input : inputs.entrySet()) {
            TensorInfo info = expectedInputs.get(input.getKey());
            if (info == null) {
                throw ServingException.invalidArgument("input tensor alias not found in signature: " + input.getKey()
                    + ". Inputs expected to be in the set {" + String.join(",", new TreeSet<>(expectedInputs.keySet())) + "}.");
            }
            feeds.put(tensorName(input.getKey(), info, "input"), input.getValue());
        }
        for (Map.Entry<String, TensorInfo> input : new TreeMap<>(expectedInputs).entrySet()) {
            if (!inputs.containsKey(input.getKey())) {
                TensorProto fallback = signature.getDefaultsMap().get(input.getKey());
                if (fallback == null) {
                    throw ServingException.invalidArgument("Missing input " + input.getKey() + " and it has no default value"
                        + " in the signature. Inputs expected: {" + String.join(",", new TreeSet<>(expectedInputs.keySet())) + "}.");
                }
                feeds.put(tensorName(input.getKey(), input.getValue(), "input"), fallback);
            }
        }
        List<String> aliases = outputAliases(signature, request.getOutputFilterList());
        List<String> fetches = new ArrayList<>();
        for (String alias : aliases) {
            fetches.add(tensorName(alias, signature.getOutputsOrThrow(alias), "output"));
        }
        List<TensorProto> outputs = timedRun(request.getModelSpec().getName(), "Predict", feeds, fetches);
        PredictResponse.Builder response = PredictResponse.newBuilder().setModelSpec(modelSpec(signatureName));
        for (int i = 0; i < aliases.size(); i++) {
            response.putOutputs(aliases.get(i), outputs.get(i));
        }
        return response.build();
    }

    private static String tensorName(String alias, TensorInfo info, String kind) {
        if (info.getEncodingCase() != TensorInfo.EncodingCase.NAME) {
            throw ServingException.unimplemented(kind + " '" + alias + "' is a " + info.getEncodingCase()
                + " tensor; this server feeds and fetches dense tensors only");
        }
        return info.getName();
    }

    private static List<String> outputAliases(SignatureDef signature, List<String> filter) {
        if (filter.isEmpty()) {
            return new ArrayList<>(new TreeSet<>(signature.getOutputsMap().keySet()));
        }
        Set<String> aliases = new LinkedHashSet<>();
        for (String alias : filter) {
            if (!signature.getOutputsMap().containsKey(alias)) {
                throw ServingException.invalidArgument("output tensor alias not found in signature: " + alias
                    + " Outputs expected to be in the set {" + String.join(",", new TreeSet<>(signature.getOutputsMap().keySet()))
                    + "}.");
            }
            if (!aliases.add(alias)) {
                throw ServingException.invalidArgument("duplicate output tensor alias: " + alias);
            }
        }
        return new ArrayList<>(aliases);
    }

    /**
     * One session run: feeds (tensor name to value) and fetches (tensor names), through the batching scheduler when
     * batching is on and the feeds can be batched.
     */
    List<TensorProto> run(Map<String, TensorProto> feeds, List<String> fetches) {
        if (batching != null && BatchScheduler.batchable(feeds)) {
            return batching.run(this, feeds, fetches);
        }
        return runDirect(feeds, fetches);
    }

    /**
     * The session run of one Predict, Classify or Regress: a success is recorded as TF Serving's runtime latency, under
     * the model name the request gave and TF Serving's API label.
     */
    List<TensorProto> timedRun(String requestedModel, String api, Map<String, TensorProto> feeds, List<String> fetches) {
        long start = System.nanoTime();
        List<TensorProto> outputs = run(feeds, fetches);
        metrics.runtime(requestedModel, api, System.nanoTime() - start);
        return outputs;
    }

    /** One session run without batching; TensorFlow's errors keep their code and message. */
    List<TensorProto> runDirect(Map<String, TensorProto> feeds, List<String> fetches) {
        Session.Runner runner = graph.session().runner();
        List<Tensor> fed = new ArrayList<>();
        try {
            for (Map.Entry<String, TensorProto> feed : feeds.entrySet()) {
                Tensor tensor = TensorConversion.toTensor(feed.getKey(), feed.getValue());
                fed.add(tensor);
                runner.feed(feed.getKey(), tensor);
            }
            fetches.forEach(runner::fetch);
            List<TensorProto> outputs = new ArrayList<>(fetches.size());
            try (Result result = runner.run()) {
                for (int i = 0; i < fetches.size(); i++) {
                    outputs.add(TensorConversion.toProto(fetches.get(i), result.get(i)));
                }
            }
            return outputs;
        } catch (TensorFlowException | TFInvalidArgumentException | TFUnimplementedException e) {
            throw new ServingException(codeOf(e), e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            throw ServingException.invalidArgument(e.getMessage());
        } finally {
            fed.forEach(Tensor::close);
        }
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
