package dev.tffashion.servemanager.client;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import dev.tffashion.servemanager.ModelServerException;
import dev.tffashion.servemanager.ServedSignature;
import dev.tffashion.servemanager.ServingBackend;
import dev.tffashion.servemanager.config.ServingConfig;
import dev.tffashion.tfserving.client.FloatBatch;
import dev.tffashion.tfserving.client.ModelRef;
import dev.tffashion.tfserving.client.ServingSignature;
import dev.tffashion.tfserving.client.TfServingConnection;
import dev.tffashion.tfserving.client.TfServingConnections;
import dev.tffashion.tfserving.client.TfServingException;
import dev.tffashion.tfserving.client.TfServingSettings;
import dev.tffashion.tfserving.client.VersionStatus;

/**
 * The serve-manager's use of the shared TF Serving client (libs/tfserving-client) against the backend's current gRPC target:
 * GetModelStatus, GetModelMetadata (the input and output chosen by the same rule predict uses) and Predict, each with
 * {@code serving.call-timeout}, and failures as {@link ModelServerException}. No retries and no circuit breaker: the serve task
 * polls the version's state with its own deadline ({@code serving.available-timeout}), and a breaker would only hide that state.
 */
@ApplicationScoped
public class ModelServerClient {

    @Inject
    ServingConfig config;

    @Inject
    ServingBackend backend;

    private TfServingConnections connections;

    @PostConstruct
    void open() {
        connections = new TfServingConnections(TfServingSettings.plain(config.callTimeout()));
    }

    /** The state of one version; {@link VersionStatus.State#UNKNOWN} while the server has not seen it. */
    public VersionStatus status(String model, long version) {
        return call(c -> c.status(model, version));
    }

    /** The input and output of a version's signature, from GetModelMetadata. */
    public ServedSignature signature(String model, long version, String signatureName) {
        ServingSignature signature = call(c -> c.metadata(new ModelRef(model, version, signatureName), null, null));
        return new ServedSignature(signatureName, signature.inputName(), signature.inputDims() == null ? new long[0]
            : signature.inputDims(), signature.outputName());
    }

    /** Runs Predict on one version with a float input of the given shape (first dimension: the images); one output row per image. */
    public float[][] predict(String model, long version, ServedSignature signature, float[] values, long[] shape) {
        ServingSignature served = new ServingSignature(model, version, signature.name(), signature.inputName(), signature.inputShape(),
            signature.outputName(), null);
        List<float[]> rows = call(c -> c.predict(served, FloatBatch.of(shape, values))).rows();
        return rows.toArray(new float[0][]);
    }

    /** Replaces the model server's model config: the versions to serve ({@code specific}; none: the latest) and their labels. */
    public void reloadConfig(String model, String basePath, Collection<Long> versions, Map<String, Long> labels) {
        call(c -> {
            c.reloadConfig(model, basePath, versions, labels);
            return null;
        });
    }

    private <T> T call(Function<TfServingConnection, T> call) {
        String target = backend.grpcTarget();
        connections.retainOnly(target);
        try {
            return call.apply(connections.get(target));
        } catch (TfServingException e) {
            throw new ModelServerException(e.getMessage(), e.unavailable(), e);
        }
    }

    @PreDestroy
    void close() {
        connections.close();
    }
}
