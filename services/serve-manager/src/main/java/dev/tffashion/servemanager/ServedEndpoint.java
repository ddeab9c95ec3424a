package dev.tffashion.servemanager;

import dev.tffashion.pipeline.AnnotatedValue;
import dev.tffashion.pipeline.contracts.EndpointValue;

/**
 * The endpoint serve-manager announces for a verified model version. The value it becomes, and what predict reads, is the contract
 * {@link EndpointValue} in libs/pipeline: this record only names serve's facts and hands them to it.
 */
public record ServedEndpoint(
        String grpcTarget,
        String restUrl,
        String modelName,
        long modelVersion,
        String signatureName,
        String inputName,
        String outputName,
        String modelValueId,
        String testAccuracy,
        String mode,
        String rollout,
        Long challengerVersion,
        String challengerModelValueId,
        Double canaryWeight) {

    /** The serve task, as in the pipeline graph. */
    public static final String TASK = EndpointValue.TASK;

    /** The endpoint contract these facts make. */
    public EndpointValue contract() {
        return new EndpointValue(grpcTarget, restUrl, modelName, modelVersion, signatureName, inputName, outputName, modelValueId,
                testAccuracy, mode, rollout, challengerVersion, challengerModelValueId, canaryWeight);
    }

    /** The endpoint value's id: derived from the model value's id, so a re-announcement has the same id. */
    public String valueId() {
        return contract().id();
    }

    /** The {@code serve.endpoint} annotated value, see {@link EndpointValue#toValue(String)}. */
    public AnnotatedValue toValue(String pipeline) {
        return contract().toValue(pipeline);
    }

    /** For logs: {@code fashion v3 at host:port}. */
    public String describe() {
        return contract().describe();
    }
}
