package dev.tffashion.servemanager.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;

/** The TF Serving objects built from a spec: pure functions, no cluster. */
class TfServingResourcesTest {

    private static final TfServingSpec SPEC = new TfServingSpec("ml", "tf-serving", "tensorflow/serving:2.18.0", "IfNotPresent",
            "fashion", 8500, 8501, "tf-fashion-data", "models", "/models", 1, 1000, 1, "250m", "512Mi", null, "2Gi");

    @Test
    void theDeploymentRunsTfServingOverTheModelsClaimAsANonRootUser() {
        Deployment deployment = TfServingResources.deployment(SPEC);
        PodSpec pod = deployment.getSpec().getTemplate().getSpec();
        Container container = pod.getContainers().get(0);

        assertThat(deployment.getMetadata().getNamespace()).isEqualTo("ml");
        assertThat(container.getArgs()).contains("--port=8500", "--rest_api_port=8501", "--model_name=fashion",
                "--model_base_path=/models/fashion");
        assertThat(container.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/v1/models/fashion");
        assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
        assertThat(pod.getSecurityContext().getRunAsUser()).isEqualTo(1000L);
        assertThat(container.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
        assertThat(container.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
        assertThat(container.getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");
        assertThat(container.getResources().getRequests()).containsKeys("cpu", "memory");
        assertThat(container.getResources().getLimits()).containsKey("memory").doesNotContainKey("cpu");
        assertThat(pod.getVolumes().get(0).getPersistentVolumeClaim().getClaimName()).isEqualTo("tf-fashion-data");
        assertThat(container.getVolumeMounts().get(0).getSubPath()).isEqualTo("models");
        assertThat(container.getVolumeMounts().get(0).getReadOnly()).isTrue();
        assertThat(deployment.getSpec().getSelector().getMatchLabels())
                .isEqualTo(deployment.getSpec().getTemplate().getMetadata().getLabels().entrySet().stream()
                        .filter(e -> deployment.getSpec().getSelector().getMatchLabels().containsKey(e.getKey()))
                        .collect(java.util.stream.Collectors.toMap(e -> e.getKey(), e -> e.getValue())));
    }

    @Test
    void theServiceSelectsThePodsOnBothPorts() {
        Service service = TfServingResources.service(SPEC);
        assertThat(service.getSpec().getSelector()).isEqualTo(TfServingResources.selector(SPEC));
        assertThat(service.getSpec().getPorts()).extracting(p -> p.getName() + ":" + p.getPort()).containsExactly("grpc:8500", "http:8501");
        assertThat(SPEC.serviceGrpcTarget()).isEqualTo("tf-serving.ml.svc:8500");
    }

    @Test
    void theHashIsStableAndIgnoresTheReplicaCount() {
        String hash = TfServingResources.hashOf(TfServingResources.deployment(SPEC));
        assertThat(TfServingResources.hashOf(TfServingResources.deployment(SPEC))).isEqualTo(hash);
        TfServingSpec scaled = new TfServingSpec("ml", "tf-serving", "tensorflow/serving:2.18.0", "IfNotPresent", "fashion", 8500, 8501,
                "tf-fashion-data", "models", "/models", 3, 1000, 1, "250m", "512Mi", null, "2Gi");
        assertThat(TfServingResources.hashOf(TfServingResources.deployment(scaled))).isEqualTo(hash);
        TfServingSpec otherImage = new TfServingSpec("ml", "tf-serving", "tensorflow/serving:2.19.0", "IfNotPresent", "fashion", 8500,
                8501, "tf-fashion-data", "models", "/models", 1, 1000, 1, "250m", "512Mi", null, "2Gi");
        assertThat(TfServingResources.hashOf(TfServingResources.deployment(otherImage))).isNotEqualTo(hash);
    }
}
