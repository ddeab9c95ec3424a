package dev.tffashion.predict;

import dev.tffashion.pipeline.AnnotatedValue;
import dev.tffashion.pipeline.MalformedValueException;
import dev.tffashion.pipeline.contracts.EndpointValue;
import dev.tffashion.pipeline.contracts.RolloutPolicy;
import dev.tffashion.pipeline.store.ContentStore;

/**
 * Where the served model answers, read from a {@code serve.endpoint} value through its contract {@link EndpointValue}: TF Serving's
 * gRPC target ({@code host:port}), the model name, the version (null: whatever TF Serving serves as latest) and the signature.
 *
 * @param valueId the endpoint value's id, for the predictions' lineage
 * @param inputName the signature input serve checked, a hint when the signature has several (null: predict chooses)
 * @param outputName the signature output serve checked, a hint when the signature has several (null: predict chooses)
 * @param rollout the rollout under way ({@link RolloutPolicy#IMMEDIATE}: one version answers everything)
 * @param challengerVersion the version on trial beside {@code modelVersion}, or null
 * @param canaryWeight the share of pictures the challenger answers under a canary, or null
 */
public record Endpoint(String valueId, String grpcTarget, String modelName, Long modelVersion, String signatureName, String inputName,
        String outputName, RolloutPolicy rollout, Long challengerVersion, Double canaryWeight) {

    public Endpoint {
        require(grpcTarget, EndpointValue.GRPC_TARGET, valueId);
        require(modelName, EndpointValue.MODEL_NAME, valueId);
        if (modelVersion != null && modelVersion < 0) {
            throw new IllegalArgumentException("endpoint " + valueId + ": " + EndpointValue.MODEL_VERSION + " must not be negative, got "
                + modelVersion);
        }
        signatureName = signatureName == null || signatureName.isBlank() ? EndpointValue.DEFAULT_SIGNATURE : signatureName;
        inputName = inputName == null || inputName.isBlank() ? null : inputName;
        outputName = outputName == null || outputName.isBlank() ? null : outputName;
        rollout = rollout == null || challengerVersion == null ? RolloutPolicy.IMMEDIATE : rollout;
        if (rollout == RolloutPolicy.IMMEDIATE) {
            challengerVersion = null;
            canaryWeight = null;
        }
    }

    /** An endpoint of one version. */
    public Endpoint(String valueId, String grpcTarget, String modelName, Long modelVersion, String signatureName, String inputName,
            String outputName) {
        this(valueId, grpcTarget, modelName, modelVersion, signatureName, inputName, outputName, null, null, null);
    }

    /** The challenger as an endpoint of its own (same value id, its version, no rollout). */
    public Endpoint challenger() {
        if (challengerVersion == null) {
            throw new IllegalStateException("endpoint " + valueId + " has no challenger");
        }
        return new Endpoint(valueId, grpcTarget, modelName, challengerVersion, signatureName, inputName, outputName);
    }

    /** An endpoint that leaves the choice of input and output to predict. */
    public Endpoint(String valueId, String grpcTarget, String modelName, Long modelVersion, String signatureName) {
        this(valueId, grpcTarget, modelName, modelVersion, signatureName, null, null);
    }

    /**
     * Reads an endpoint value.
     *
     * @throws IllegalArgumentException when the value is not a usable endpoint, with what is missing
     */
    public static Endpoint of(AnnotatedValue value, ContentStore store) {
        EndpointValue endpoint;
        try {
            endpoint = EndpointValue.from(value, store);
        } catch (MalformedValueException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
        return new Endpoint(value.id(), endpoint.grpcTarget(), endpoint.modelName(), endpoint.modelVersion(), endpoint.signatureName(),
            endpoint.inputName(), endpoint.outputName(), endpoint.rolloutPolicy(), endpoint.challengerVersion(), endpoint.canaryWeight());
    }

    /** For logs and status: {@code fashion v3 (serving_default) at host:port}. */
    public String describe() {
        return modelName + (modelVersion == null ? " (latest)" : " v" + modelVersion)
            + (challengerVersion == null ? "" : " (" + rollout.wireName() + " v" + challengerVersion + ")") + " at " + grpcTarget;
    }

    private static void require(String text, String field, String id) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("endpoint " + id + " has no " + field);
        }
    }
}
