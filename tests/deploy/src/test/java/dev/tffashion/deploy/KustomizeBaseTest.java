package dev.tffashion.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** deploy/k8s: renders with kubectl kustomize, every object is a valid fabric8 model object, and it is locked down. */
class KustomizeBaseTest {

    static final Set<String> EXPECTED = new TreeSet<>(List.of(
            "Namespace/default", "ConfigMap/tf-fashion-config", "PersistentVolumeClaim/tf-fashion-data",
            "ServiceAccount/serve-manager", "Role/serve-manager", "RoleBinding/serve-manager",
            "ServiceAccount/learn", "Role/learn", "RoleBinding/learn",
            "Deployment/file-drop", "Deployment/learn", "Deployment/serve-manager", "Deployment/image-convert", "Deployment/predict",
            "Service/file-drop", "Service/learn", "Service/serve-manager", "Service/image-convert", "Service/predict",
            "Ingress/tf-fashion"));

    static List<HasMetadata> objects;

    @BeforeAll
    static void render() {
        objects = Manifests.typed(Manifests.kustomize(Manifests.KUSTOMIZE_BASE));
    }

    @Test
    void rendersExactlyTheExpectedObjects() {
        assertEquals(EXPECTED, Manifests.kindsAndNames(objects));
    }

    @Test
    void everyObjectIsInTheNamespace() {
        for (HasMetadata object : objects) {
            if (!(object instanceof Namespace)) {
                assertEquals("default", object.getMetadata().getNamespace(), object.getKind() + "/" + object.getMetadata().getName());
            }
        }
    }

    @Test
    void isLeastPrivilegeNonRootAndProbed() {
        Hardening.assertAll(objects);
    }

    @Test
    void ingressHostIsTfFashionDotNamespaceDotDomain() {
        assertEquals("tf-fashion.default.example.com", Manifests.named(objects, Ingress.class, "tf-fashion")
                .getSpec().getRules().get(0).getHost());
    }

    @Test
    void storeAndModelsShareOneReadWriteManyClaim() {
        PersistentVolumeClaim claim = Manifests.named(objects, PersistentVolumeClaim.class, "tf-fashion-data");
        assertEquals(List.of("ReadWriteMany"), claim.getSpec().getAccessModes());
        ConfigMap settings = Manifests.named(objects, ConfigMap.class, "tf-fashion-config");
        assertEquals("/data/store", settings.getData().get("TF_FASHION_STORE_ROOT"));
        assertEquals("/data/models", settings.getData().get("SERVING_MODELS_ROOT"));
        assertEquals("kubernetes", settings.getData().get("SERVING_MODE"));
        assertEquals("tf-fashion-data", settings.getData().get("SERVING_KUBERNETES_MODELS_CLAIM"));
        assertTrue(settings.getData().containsKey("KAFKA_BOOTSTRAP_SERVERS"), "the Kafka bootstrap is a setting");
    }

    @Test
    void aNamespaceSetInTheBaseMovesEverythingAndTheHost(@TempDir Path copy) throws IOException {
        Path base = copy.resolve("k8s");
        Manifests.copyTree(Manifests.KUSTOMIZE_BASE, base);
        Path kustomization = base.resolve("kustomization.yaml");
        Files.writeString(kustomization, Files.readString(kustomization).replace("\nnamespace: default\n", "\nnamespace: shop\n"));
        List<HasMetadata> moved = Manifests.typed(Manifests.kustomize(base));
        assertTrue(Manifests.kindsAndNames(moved).contains("Namespace/shop"));
        assertEquals("tf-fashion.shop.example.com", Manifests.named(moved, Ingress.class, "tf-fashion")
                .getSpec().getRules().get(0).getHost());
    }

    @Test
    void strimziComponentProvidesTheDefaultBootstrap(@TempDir Path copy) throws IOException {
        Manifests.copyTree(Manifests.KUSTOMIZE_BASE, copy.resolve("k8s"));
        Path overlay = Files.createDirectories(copy.resolve("with-strimzi"));
        Files.writeString(overlay.resolve("kustomization.yaml"),
                "namespace: default\nresources:\n  - ../k8s\ncomponents:\n  - ../k8s/strimzi\n");
        String yaml = Manifests.kustomize(overlay);
        JsonNode kafka = null;
        JsonNode pool = null;
        for (JsonNode document : Manifests.documents(yaml)) {
            String kind = document.path("kind").asText();
            if (document.path("apiVersion").asText().startsWith("kafka.strimzi.io/")) {
                if (kind.equals("Kafka")) {
                    kafka = document;
                } else if (kind.equals("KafkaNodePool")) {
                    pool = document;
                }
            }
        }
        assertTrue(kafka != null && pool != null, "the component adds a Kafka and its KafkaNodePool");
        String cluster = kafka.path("metadata").path("name").asText();
        assertEquals(cluster, pool.path("metadata").path("labels").path("strimzi.io/cluster").asText());
        int port = kafka.path("spec").path("kafka").path("listeners").get(0).path("port").asInt();
        ConfigMap settings = Manifests.named(objects, ConfigMap.class, "tf-fashion-config");
        assertEquals(cluster + "-kafka-bootstrap:" + port, settings.getData().get("KAFKA_BOOTSTRAP_SERVERS"),
                "Strimzi names the bootstrap Service <cluster>-kafka-bootstrap");
        assertEquals("default", kafka.path("metadata").path("namespace").asText());
    }

    @Test
    void s3StoreComponentTakesTheBucketAndCredentialsFromASecret(@TempDir Path copy) throws IOException {
        Manifests.copyTree(Manifests.KUSTOMIZE_BASE, copy.resolve("k8s"));
        Path overlay = Files.createDirectories(copy.resolve("with-s3"));
        Files.writeString(overlay.resolve("kustomization.yaml"),
                "namespace: default\nresources:\n  - ../k8s\ncomponents:\n  - ../k8s/s3-store\n");
        List<HasMetadata> s3 = Manifests.typed(Manifests.kustomize(overlay));
        assertEquals(EXPECTED, Manifests.kindsAndNames(s3), "the component adds no object: the Secret is the user's");
        Hardening.assertAll(s3);
        assertS3Store(s3);
        assertEquals(null, Manifests.named(objects, ConfigMap.class, "tf-fashion-config").getData().get("TF_FASHION_STORE_KIND"),
                "the base keeps the default store, the folder");
    }

    /** Every service reads the Secret tf-fashion-s3; only the serve-manager keeps the claim (the models TF Serving reads). */
    static void assertS3Store(List<HasMetadata> objects) {
        assertEquals("s3", Manifests.named(objects, ConfigMap.class, "tf-fashion-config").getData().get("TF_FASHION_STORE_KIND"));
        for (String name : Hardening.SERVICES) {
            var pod = Manifests.named(objects, Deployment.class, name).getSpec().getTemplate().getSpec();
            var envFrom = pod.getContainers().get(0).getEnvFrom();
            assertEquals("tf-fashion-config", envFrom.get(0).getConfigMapRef().getName(), name);
            assertEquals("tf-fashion-s3", envFrom.get(envFrom.size() - 1).getSecretRef().getName(),
                    name + ": the bucket and credentials come from the Secret, which overrides the ConfigMap");
            var data = pod.getVolumes().stream().filter(v -> v.getName().equals("data")).findFirst().orElseThrow();
            if (name.equals("serve-manager")) {
                assertEquals("tf-fashion-data", data.getPersistentVolumeClaim().getClaimName(), name + " writes the models folder");
            } else {
                assertTrue(data.getPersistentVolumeClaim() == null && data.getEmptyDir() != null,
                        name + " needs no shared volume with the bucket: " + data);
            }
        }
    }
}
