package dev.tffashion.servemanager.backend;

import dev.tffashion.servemanager.ServingBackend;
import dev.tffashion.servemanager.config.ServingConfig;

/** External mode: a TF Serving that someone else runs over the shared models folder (compose); only its address is configured. */
public final class ExternalServing implements ServingBackend {

    private final String grpcTarget;
    private final String restUrl;

    public ExternalServing(ServingConfig config) {
        this.grpcTarget = config.grpcTarget().filter(t -> !t.isBlank()).orElseThrow(() -> new IllegalStateException(
                "serving.mode=external needs the running TF Serving's gRPC address: set serving.grpc-target "
                        + "(SERVING_GRPC_TARGET), e.g. tf-serving:8500"));
        this.restUrl = config.restUrl().filter(u -> !u.isBlank())
                .orElseGet(() -> "http://" + grpcTarget.substring(0, grpcTarget.lastIndexOf(':') < 0 ? grpcTarget.length()
                        : grpcTarget.lastIndexOf(':')) + ":" + config.restPort());
    }

    @Override
    public void ensureRunning() {
    }

    @Override
    public String grpcTarget() {
        return grpcTarget;
    }

    @Override
    public String restUrl() {
        return restUrl;
    }

    @Override
    public String describe() {
        return "external TF Serving at " + grpcTarget;
    }
}
