package dev.tffashion.modelserver;

import com.google.protobuf.Any;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Logger;
import tensorflow.serving.Classification.ClassificationRequest;
import tensorflow.serving.Classification.ClassificationResponse;
import tensorflow.serving.GetModelMetadata.GetModelMetadataRequest;
import tensorflow.serving.GetModelMetadata.GetModelMetadataResponse;
import tensorflow.serving.GetModelStatus.GetModelStatusRequest;
import tensorflow.serving.GetModelStatus.GetModelStatusResponse;
import tensorflow.serving.GetModelStatus.ModelVersionStatus;
import tensorflow.serving.Inference.MultiInferenceRequest;
import tensorflow.serving.Inference.MultiInferenceResponse;
import tensorflow.serving.Model.ModelSpec;
import tensorflow.serving.ModelServerConfigOuterClass.ModelConfig;
import tensorflow.serving.ModelServerConfigOuterClass.ModelServerConfig;
import tensorflow.serving.Predict.PredictRequest;
import tensorflow.serving.Predict.PredictResponse;
import tensorflow.serving.RegressionOuterClass.RegressionRequest;
import tensorflow.serving.RegressionOuterClass.RegressionResponse;
import tensorflow.serving.Status.StatusProto;

/** The models this server serves, by name, and the TF Serving operations on them that gRPC and REST share. */
final class ModelRegistry {

    /** The only metadata field TF Serving defines. */
    static final String SIGNATURE_DEF = "signature_def";

    private static final Logger LOG = Logger.getLogger(ModelRegistry.class.getName());

    private final Map<String, ServedModel> models = new ConcurrentHashMap<>();
    private final ServingContext context;

    ModelRegistry(ServingContext context) {
        this.context = context;
    }

    ServingContext context() {
        return context;
    }

    /** Replaces the set of served models (TF Serving's model config). Called on the poller thread only. */
    void apply(ModelServerConfig config) {
        switch (config.getConfigCase()) {
            case MODEL_CONFIG_LIST -> {
            }
            case CUSTOM_MODEL_CONFIG -> throw ServingException.unimplemented("custom_model_config is not supported;"
                + " send a model_config_list");
            default -> throw ServingException.invalidArgument("the model server config has no model_config_list");
        }
        Map<String, ServedModel> wanted = new HashMap<>();
        for (ModelConfig model : config.getModelConfigList().getConfigList()) {
            if (model.getName().isEmpty()) {
                throw ServingException.invalidArgument("a model config has no name");
            }
            if (model.getBasePath().isEmpty()) {
                throw ServingException.invalidArgument("model " + model.getName() + " has no base_path");
            }
            if (!model.getModelPlatform().isEmpty() && !model.getModelPlatform().equals("tensorflow")) {
                throw ServingException.invalidArgument("model " + model.getName() + " has model_platform '"
                    + model.getModelPlatform() + "'; this server serves 'tensorflow' SavedModels only");
            }
            if (wanted.containsKey(model.getName())) {
                throw ServingException.invalidArgument("model " + model.getName() + " is configured twice");
            }
            VersionPolicy policy = VersionPolicy.of(model.getModelVersionPolicy());
            wanted.put(model.getName(), new ServedModel(model.getName(), Path.of(model.getBasePath()), policy,
                model.getVersionLabelsMap(), context));
        }
        for (String name : List.copyOf(models.keySet())) {
            if (!wanted.containsKey(name)) {
                LOG.info(() -> "Model " + name + " is no longer configured: unloading it");
                models.remove(name).close();
            }
        }
        for (ServedModel model : wanted.values()) {
            ServedModel current = models.get(model.name());
            if (current != null && current.basePath().equals(model.basePath())) {
                current.policy(model.policy());
                current.labels(model.labels());
                continue;
            }
            if (current != null) {
                current.close();
            }
            LOG.info(() -> "Serving model " + model.name() + " from base path " + model.basePath() + " (version policy "
                + model.policy() + ")");
            models.put(model.name(), model);
        }
    }

    /** Polls every model's base path. Called on the poller thread only. */
    void pollAll() {
        for (ServedModel model : models.values()) {
            model.poll();
        }
    }

    void closeAll() {
        models.values().forEach(ServedModel::close);
        models.clear();
    }

    ServedModel find(String name) {
        return models.get(name);
    }

    private ServedModel require(ModelSpec spec, String notFoundMessage) {
        if (spec.getName().isEmpty()) {
            throw ServingException.invalidArgument("Missing ModelSpec: the request names no model");
        }
        ServedModel model = models.get(spec.getName());
        if (model == null) {
            throw ServingException.notFound(notFoundMessage + ": no model named '" + spec.getName()
                + "' is configured; this server serves " + new TreeSet<>(models.keySet()));
        }
        return model;
    }

    /** Takes a reference on the version a request names; the caller must release it. */
    LoadedVersion acquire(ModelSpec spec) {
        return require(spec, "Servable not found for request: " + describe(spec)).acquire(spec);
    }

    PredictResponse predict(PredictRequest request) {
        LoadedVersion version = acquire(request.getModelSpec());
        try {
            return version.predict(request);
        } finally {
            version.release();
        }
    }

    ClassificationResponse classify(ClassificationRequest request) {
        LoadedVersion version = acquire(request.getModelSpec());
        try {
            return ExampleInference.classify(version, request);
        } finally {
            version.release();
        }
    }

    RegressionResponse regress(RegressionRequest request) {
        LoadedVersion version = acquire(request.getModelSpec());
        try {
            return ExampleInference.regress(version, request);
        } finally {
            version.release();
        }
    }

    /** MultiInference: the model and version of the first task serve every task. */
    MultiInferenceResponse multiInference(MultiInferenceRequest request) {
        if (request.getTasksCount() == 0) {
            throw ServingException.invalidArgument("Found no tasks in MultiInference request.");
        }
        LoadedVersion version = acquire(request.getTasks(0).getModelSpec());
        try {
            return ExampleInference.multiInference(version, request);
        } finally {
            version.release();
        }
    }

    GetModelMetadataResponse metadata(GetModelMetadataRequest request) {
        if (request.getMetadataFieldCount() == 0) {
            throw ServingException.invalidArgument("GetModelMetadataRequest must specify at least one metadata_field"
                + " (TF Serving supports \"" + SIGNATURE_DEF + "\")");
        }
        for (String field : request.getMetadataFieldList()) {
            if (!field.equals(SIGNATURE_DEF)) {
                throw ServingException.invalidArgument("Metadata field " + field + " is not supported; ask for \""
                    + SIGNATURE_DEF + "\"");
            }
        }
        LoadedVersion version = acquire(request.getModelSpec());
        try {
            return GetModelMetadataResponse.newBuilder()
                .setModelSpec(version.modelSpec("").toBuilder().clearSignatureName())
                .putMetadata(SIGNATURE_DEF, Any.pack(version.signatureDefMap()))
                .build();
        } finally {
            version.release();
        }
    }

    GetModelStatusResponse status(GetModelStatusRequest request) {
        ServedModel model = require(request.getModelSpec(), "Could not find any versions of model " + request.getModelSpec().getName());
        GetModelStatusResponse.Builder response = GetModelStatusResponse.newBuilder();
        for (VersionStatus status : model.statuses(request.getModelSpec())) {
            response.addModelVersionStatus(ModelVersionStatus.newBuilder()
                .setVersion(status.version())
                .setState(status.state().proto())
                .setStatus(StatusProto.newBuilder().setErrorCode(status.errorCode()).setErrorMessage(status.errorMessage())));
        }
        return response.build();
    }

    static String describe(ModelSpec spec) {
        return switch (spec.getVersionChoiceCase()) {
            case VERSION -> "Specific(" + spec.getName() + ", " + spec.getVersion().getValue() + ")";
            case VERSION_LABEL -> "Label(" + spec.getName() + ", " + spec.getVersionLabel() + ")";
            default -> "Latest(" + spec.getName() + ")";
        };
    }
}
