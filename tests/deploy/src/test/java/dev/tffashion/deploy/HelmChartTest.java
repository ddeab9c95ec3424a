package dev.tffashion.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.marcnuri.helm.Helm;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** deploy/helm/tf-fashion: lints and renders with Helm's own library to the kustomize base's objects, as locked down. */
class HelmChartTest {

    static List<HasMetadata> objects;

    @BeforeAll
    static void render() {
        objects = Manifests.typed(Manifests.helmTemplate("default", Map.of()));
    }

    @Test
    void lintsClean() {
        var result = new Helm(Manifests.CHART).lint().strict().call();
        assertFalse(result.isFailed(), "helm lint --strict: " + result.getMessages());
    }

    @Test
    void rendersTheKindsAndNamesOfTheKustomizeBase() {
        Set<String> kustomize = new TreeSet<>(KustomizeBaseTest.EXPECTED);
        // Helm leaves the namespace to `helm install --create-namespace`; the base declares it.
        kustomize.remove("Namespace/default");
        assertEquals(kustomize, Manifests.kindsAndNames(objects));
        Set<String> rendered = Manifests.kindsAndNames(Manifests.typed(Manifests.kustomize(Manifests.KUSTOMIZE_BASE)));
        rendered.remove("Namespace/default");
        assertEquals(rendered, Manifests.kindsAndNames(objects), "chart and kustomize base render the same objects");
    }

    @Test
    void isLeastPrivilegeNonRootAndProbed() {
        Hardening.assertAll(objects);
    }

    @Test
    void settingsAndPodsMatchTheKustomizeBase() {
        List<HasMetadata> base = KustomizeBaseTest.objects != null ? KustomizeBaseTest.objects
                : Manifests.typed(Manifests.kustomize(Manifests.KUSTOMIZE_BASE));
        assertEquals(Manifests.named(base, ConfigMap.class, "tf-fashion-config").getData(),
                Manifests.named(objects, ConfigMap.class, "tf-fashion-config").getData(), "the same settings");
        for (String name : Hardening.SERVICES) {
            var fromChart = Manifests.named(objects, Deployment.class, name).getSpec().getTemplate().getSpec();
            var fromBase = Manifests.named(base, Deployment.class, name).getSpec().getTemplate().getSpec();
            assertEquals(fromBase.getSecurityContext(), fromChart.getSecurityContext(), name + ": pod securityContext");
            assertEquals(fromBase.getVolumes(), fromChart.getVolumes(), name + ": volumes");
            var chartContainer = fromChart.getContainers().get(0);
            var baseContainer = fromBase.getContainers().get(0);
            assertEquals(baseContainer.getImage(), chartContainer.getImage(), name + ": image");
            assertEquals(baseContainer.getResources(), chartContainer.getResources(), name + ": resources");
            assertEquals(baseContainer.getSecurityContext(), chartContainer.getSecurityContext(), name + ": securityContext");
            assertEquals(baseContainer.getEnv(), chartContainer.getEnv(), name + ": env");
            assertEquals(baseContainer.getStartupProbe(), chartContainer.getStartupProbe(), name + ": startupProbe");
            assertEquals(baseContainer.getLivenessProbe(), chartContainer.getLivenessProbe(), name + ": livenessProbe");
            assertEquals(baseContainer.getReadinessProbe(), chartContainer.getReadinessProbe(), name + ": readinessProbe");
        }
        assertEquals(Manifests.named(base, Ingress.class, "tf-fashion").getSpec().getRules(),
                Manifests.named(objects, Ingress.class, "tf-fashion").getSpec().getRules(), "the same Ingress rules");
    }

    @Test
    void hostFollowsTheReleaseNamespace() {
        List<HasMetadata> shop = Manifests.typed(Manifests.helmTemplate("shop", Map.of("ingress.domain", "cluster.test")));
        assertEquals("tf-fashion.shop.cluster.test", Manifests.named(shop, Ingress.class, "tf-fashion")
                .getSpec().getRules().get(0).getHost());
    }

    @Test
    void imageRepositoryAndTagAreValues() {
        List<HasMetadata> custom = Manifests.typed(Manifests.helmTemplate("default",
                Map.of("image.repository", "registry.test/tf", "image.tag", "1.2.3")));
        assertEquals("registry.test/tf/learn:1.2.3", Manifests.named(custom, Deployment.class, "learn")
                .getSpec().getTemplate().getSpec().getContainers().get(0).getImage());
    }

    @Test
    void s3StoreIsAValueThatRendersAsTheKustomizeComponent() {
        List<HasMetadata> s3 = Manifests.typed(Manifests.helmTemplate("default", Map.of("store.kind", "s3")));
        Hardening.assertAll(s3);
        KustomizeBaseTest.assertS3Store(s3);
        String wrong = assertThrows(Exception.class, () -> Manifests.helmTemplate("default", Map.of("store.kind", "nfs")))
                .getMessage();
        assertTrue(wrong.contains("store.kind"), wrong);
    }

    @Test
    void strimziKafkaIsOptional() {
        String yaml = Manifests.helmTemplate("default", Map.of("strimzi.enabled", true));
        Set<String> strimzi = new TreeSet<>();
        for (JsonNode document : Manifests.documents(yaml)) {
            if (document.path("apiVersion").asText().startsWith("kafka.strimzi.io/")) {
                strimzi.add(document.path("kind").asText() + "/" + document.path("metadata").path("name").asText());
            }
        }
        assertEquals(Set.of("Kafka/tf-fashion", "KafkaNodePool/dual-role"), strimzi);
        assertTrue(Manifests.documents(Manifests.helmTemplate("default", Map.of())).stream()
                .noneMatch(d -> d.path("apiVersion").asText().startsWith("kafka.strimzi.io/")), "off by default");
    }
}
