package dev.tffashion.servemanager.kubernetes;

import java.util.Optional;

import dev.tffashion.servemanager.config.ServingConfig;

/**
 * What the TF Serving Deployment and Service should look like, in plain values: the input of the pure functions in
 * {@link TfServingResources}.
 */
public record TfServingSpec(
        String namespace,
        String name,
        String image,
        String imagePullPolicy,
        String modelName,
        int grpcPort,
        int restPort,
        String modelsClaim,
        String modelsSubPath,
        String modelsMountPath,
        int replicas,
        long runAsUser,
        int fileSystemPollSeconds,
        String cpuRequest,
        String memoryRequest,
        String cpuLimit,
        String memoryLimit) {

    /** The spec the configuration asks for, in the given namespace. */
    public static TfServingSpec from(ServingConfig config, String namespace) {
        ServingConfig.Kubernetes k = config.kubernetes();
        return new TfServingSpec(namespace, k.name(), k.image(), k.imagePullPolicy(), config.modelName(), port(config.grpcPort(), 8500),
                port(config.restPort(), 8501), k.modelsClaim(), blankToNull(k.modelsSubPath()), k.modelsMountPath(), k.replicas(),
                k.runAsUser(), k.fileSystemPollSeconds(), k.cpuRequest(), k.memoryRequest(), blankToNull(k.cpuLimit()), k.memoryLimit());
    }

    /** TF Serving's model base path inside its container. */
    public String modelBasePath() {
        return modelsMountPath.replaceAll("/+$", "") + "/" + modelName;
    }

    /** The gRPC target of the Service, resolvable from any namespace of the cluster. */
    public String serviceGrpcTarget() {
        return name + "." + namespace + ".svc:" + grpcPort;
    }

    /** The REST URL of the Service. */
    public String serviceRestUrl() {
        return "http://" + name + "." + namespace + ".svc:" + restPort;
    }

    private static int port(int configured, int fallback) {
        return configured > 0 ? configured : fallback;
    }

    private static String blankToNull(Optional<String> value) {
        return value.filter(v -> !v.isBlank()).orElse(null);
    }
}
