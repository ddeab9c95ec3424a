package dev.tffashion.servemanager.kubernetes;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;

/**
 * Pure functions from a {@link TfServingSpec} to the fabric8 objects of TF Serving: a Deployment running {@code tensorflow/serving}
 * over the models claim, and a Service for its gRPC and REST ports. No API calls here: {@link TfServingReconciler} applies them.
 * Each object carries the owner labels and an annotation with the hash of what was asked, so a reconciler sees "unchanged" without
 * comparing fields the API server fills in.
 */
public final class TfServingResources {

    /** Label naming who manages the objects. */
    public static final String MANAGED_BY = "app.kubernetes.io/managed-by";
    /** The value of {@link #MANAGED_BY}. */
    public static final String MANAGER = "serve-manager";
    /** Annotation holding the hash of the desired object (without the replica count). */
    public static final String SPEC_HASH = "tf-fashion.dev/spec-hash";
    /** Name of the gRPC port. */
    public static final String GRPC = "grpc";
    /** Name of the REST port. */
    public static final String HTTP = "http";

    private TfServingResources() {
    }

    /** Labels on every object and pod. */
    public static Map<String, String> labels(TfServingSpec spec) {
        Map<String, String> labels = new LinkedHashMap<>(selector(spec));
        labels.put("app.kubernetes.io/component", "model-server");
        labels.put(MANAGED_BY, MANAGER);
        return labels;
    }

    /** The pod selector of the Deployment and the Service (stable: a Deployment's selector cannot change). */
    public static Map<String, String> selector(TfServingSpec spec) {
        Map<String, String> selector = new LinkedHashMap<>();
        selector.put("app.kubernetes.io/name", spec.name());
        selector.put("app.kubernetes.io/part-of", "tf-fashion");
        return selector;
    }

    /** The TF Serving Deployment. */
    public static Deployment deployment(TfServingSpec spec) {
        Deployment deployment = new DeploymentBuilder()
                .withNewMetadata().withName(spec.name()).withNamespace(spec.namespace()).withLabels(labels(spec)).endMetadata()
                .withNewSpec()
                .withReplicas(spec.replicas())
                .withNewSelector().withMatchLabels(selector(spec)).endSelector()
                .withNewStrategy().withType("RollingUpdate").withNewRollingUpdate()
                .withMaxUnavailable(new IntOrString(0)).withMaxSurge(new IntOrString(1)).endRollingUpdate().endStrategy()
                .withNewTemplate()
                .withNewMetadata().withLabels(labels(spec)).endMetadata()
                .withNewSpec()
                .withAutomountServiceAccountToken(false)
                .withNewSecurityContext().withRunAsNonRoot(true).withRunAsUser(spec.runAsUser()).withRunAsGroup(spec.runAsUser())
                .withNewSeccompProfile().withType("RuntimeDefault").endSeccompProfile().endSecurityContext()
                .withContainers(container(spec))
                .addNewVolume().withName("models").withNewPersistentVolumeClaim().withClaimName(spec.modelsClaim()).withReadOnly(true)
                .endPersistentVolumeClaim().endVolume()
                .addNewVolume().withName("tmp").withNewEmptyDir().endEmptyDir().endVolume()
                .endSpec()
                .endTemplate()
                .endSpec()
                .build();
        return withHash(deployment, deploymentHash(deployment));
    }

    /** The Service in front of the Deployment: gRPC and REST. */
    public static Service service(TfServingSpec spec) {
        Service service = new ServiceBuilder()
                .withNewMetadata().withName(spec.name()).withNamespace(spec.namespace()).withLabels(labels(spec)).endMetadata()
                .withNewSpec()
                .withType("ClusterIP")
                .withSelector(selector(spec))
                .addNewPort().withName(GRPC).withAppProtocol("grpc").withPort(spec.grpcPort()).withTargetPort(new IntOrString(GRPC))
                .withProtocol("TCP").endPort()
                .addNewPort().withName(HTTP).withAppProtocol("http").withPort(spec.restPort()).withTargetPort(new IntOrString(HTTP))
                .withProtocol("TCP").endPort()
                .endSpec()
                .build();
        return withHash(service, hash(service.getMetadata().getLabels(), service.getSpec()));
    }

    private static Container container(TfServingSpec spec) {
        Map<String, Quantity> requests = new LinkedHashMap<>();
        requests.put("cpu", new Quantity(spec.cpuRequest()));
        requests.put("memory", new Quantity(spec.memoryRequest()));
        Map<String, Quantity> limits = new LinkedHashMap<>();
        if (spec.cpuLimit() != null) {
            limits.put("cpu", new Quantity(spec.cpuLimit()));
        }
        limits.put("memory", new Quantity(spec.memoryLimit()));
        List<String> args = new ArrayList<>(List.of(
                "--port=" + spec.grpcPort(),
                "--rest_api_port=" + spec.restPort(),
                "--model_name=" + spec.modelName(),
                "--model_base_path=" + spec.modelBasePath(),
                "--file_system_poll_wait_seconds=" + spec.fileSystemPollSeconds()));
        return new ContainerBuilder()
                .withName("tf-serving")
                .withImage(spec.image())
                .withImagePullPolicy(spec.imagePullPolicy())
                .withCommand("tensorflow_model_server")
                .withArgs(args)
                .addNewPort().withName(GRPC).withContainerPort(spec.grpcPort()).withProtocol("TCP").endPort()
                .addNewPort().withName(HTTP).withContainerPort(spec.restPort()).withProtocol("TCP").endPort()
                .withNewReadinessProbe()
                .withNewHttpGet().withPath("/v1/models/" + spec.modelName()).withPort(new IntOrString(HTTP)).endHttpGet()
                .withInitialDelaySeconds(2).withPeriodSeconds(5).withTimeoutSeconds(3).withFailureThreshold(3)
                .endReadinessProbe()
                .withNewLivenessProbe()
                .withNewTcpSocket().withPort(new IntOrString(GRPC)).endTcpSocket()
                .withInitialDelaySeconds(15).withPeriodSeconds(10).withTimeoutSeconds(3).withFailureThreshold(3)
                .endLivenessProbe()
                .withResources(new ResourceRequirementsBuilder().withRequests(requests).withLimits(limits).build())
                .withNewSecurityContext().withAllowPrivilegeEscalation(false).withReadOnlyRootFilesystem(true).withRunAsNonRoot(true)
                .withNewCapabilities().withDrop("ALL").endCapabilities().endSecurityContext()
                .addNewVolumeMount().withName("models").withMountPath(spec.modelsMountPath()).withSubPath(spec.modelsSubPath())
                .withReadOnly(true).endVolumeMount()
                .addNewVolumeMount().withName("tmp").withMountPath("/tmp").endVolumeMount()
                .build();
    }

    /** The hash of a Deployment as asked: labels and spec, without the replica count (which a person or an autoscaler may own). */
    static String deploymentHash(Deployment deployment) {
        Deployment copy = new DeploymentBuilder(deployment).editSpec().withReplicas(null).endSpec().build();
        return hash(copy.getMetadata().getLabels(), copy.getSpec());
    }

    /** The hash an object was created or last updated from, or null. */
    public static String hashOf(HasMetadata object) {
        Map<String, String> annotations = object.getMetadata().getAnnotations();
        return annotations == null ? null : annotations.get(SPEC_HASH);
    }

    private static <T extends HasMetadata> T withHash(T object, String hash) {
        Map<String, String> annotations = new LinkedHashMap<>();
        annotations.put(SPEC_HASH, hash);
        object.getMetadata().setAnnotations(annotations);
        return object;
    }

    private static String hash(Object labels, Object spec) {
        String text = Serialization.asJson(labels) + "\n" + Serialization.asJson(spec);
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available in this JVM", e);
        }
    }
}
