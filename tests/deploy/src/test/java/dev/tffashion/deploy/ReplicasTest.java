package dev.tffashion.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.io.IOException;
import java.io.StringReader;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Replicas: learn, image-convert, predict and file-drop run as several pods in both deployment forms, the serve-manager as
 * two (one leads through a Lease, the other stands by, each named by its pod), and no consumer group has more replicas than its
 * topics have partitions (TF_FASHION_TOPICS_PARTITIONS).
 */
class ReplicasTest {

    /** The services that run as several replicas. */
    static final List<String> SCALED = List.of("file-drop", "learn", "image-convert", "predict");

    static List<HasMetadata> kustomize;
    static List<HasMetadata> helm;

    @BeforeAll
    static void render() {
        kustomize = Manifests.typed(Manifests.kustomize(Manifests.KUSTOMIZE_BASE));
        helm = Manifests.typed(Manifests.helmTemplate("default", Map.of()));
    }

    @Test
    void scaledServicesRunSeveralReplicasAndTwoServeManagersElectALeader() {
        for (List<HasMetadata> objects : List.of(kustomize, helm)) {
            for (String name : SCALED) {
                Integer replicas = Manifests.named(objects, Deployment.class, name).getSpec().getReplicas();
                assertTrue(replicas != null && replicas > 1, name + " runs more than one replica: " + replicas);
            }
            Deployment serveManager = Manifests.named(objects, Deployment.class, "serve-manager");
            assertEquals(2, serveManager.getSpec().getReplicas(), "two serve-managers: one leads, one stands by");
            var instance = serveManager.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv().stream()
                    .filter(e -> e.getName().equals("TF_FASHION_INSTANCE")).findFirst()
                    .orElseThrow(() -> new AssertionError("serve-manager has no TF_FASHION_INSTANCE"));
            assertEquals("metadata.name", instance.getValueFrom().getFieldRef().getFieldPath(),
                    "each serve-manager replica is named by its pod in the election and in status events");
        }
    }

    @Test
    void kustomizeAndHelmRunTheSameReplicas() {
        for (String name : Hardening.SERVICES) {
            assertEquals(Manifests.named(kustomize, Deployment.class, name).getSpec().getReplicas(),
                    Manifests.named(helm, Deployment.class, name).getSpec().getReplicas(), name + ": replicas");
        }
    }

    @Test
    void partitionsAreASettingAtLeastTheReplicasOfEachConsumerGroup() {
        for (List<HasMetadata> objects : List.of(kustomize, helm)) {
            int partitions = partitions(objects);
            for (String name : Hardening.SERVICES) {
                if (groupIds(name).isEmpty()) {
                    continue;
                }
                int replicas = Manifests.named(objects, Deployment.class, name).getSpec().getReplicas();
                assertTrue(replicas <= partitions, name + " (consumer groups " + groupIds(name) + ") runs " + replicas
                        + " replicas on topics of " + partitions + " partitions: the extra replicas would idle");
            }
        }
        for (String name : List.of("learn", "image-convert", "predict")) {
            assertTrue(!groupIds(name).isEmpty(), name + " reads its input in a consumer group");
        }
    }

    @Test
    void helmRefusesMoreReplicasThanPartitions() {
        String wrong = assertThrows(Exception.class, () -> Manifests.helmTemplate("default",
                Map.of("services.predict.replicas", 4, "settings.TF_FASHION_TOPICS_PARTITIONS", "3"))).getMessage();
        assertTrue(wrong.contains("services.predict.replicas") && wrong.contains("TF_FASHION_TOPICS_PARTITIONS"), wrong);
        List<HasMetadata> more = Manifests.typed(Manifests.helmTemplate("default",
                Map.of("services.predict.replicas", 6, "settings.TF_FASHION_TOPICS_PARTITIONS", "6")));
        assertEquals(6, Manifests.named(more, Deployment.class, "predict").getSpec().getReplicas());
        assertEquals("6", Manifests.named(more, ConfigMap.class, "tf-fashion-config").getData().get("TF_FASHION_TOPICS_PARTITIONS"));
    }

    /** TF_FASHION_TOPICS_PARTITIONS of the rendered settings (tf-fashion.topics.partitions). */
    static int partitions(List<HasMetadata> objects) {
        String value = Manifests.named(objects, ConfigMap.class, "tf-fashion-config").getData().get("TF_FASHION_TOPICS_PARTITIONS");
        assertTrue(value != null, "the settings name the partitions of the topics (TF_FASHION_TOPICS_PARTITIONS)");
        return Integer.parseInt(value);
    }

    /** The consumer groups of a service's incoming channels, as its application.properties writes them. */
    static List<String> groupIds(String service) {
        Properties properties = applicationProperties(service);
        return properties.stringPropertyNames().stream()
                .filter(k -> k.startsWith("mp.messaging.incoming.") && k.endsWith(".group.id")).sorted()
                .map(properties::getProperty).toList();
    }

    static Properties applicationProperties(String service) {
        Properties properties = new Properties();
        try {
            properties.load(new StringReader(Manifests.read(Manifests.ROOT.resolve("services/" + service
                    + "/src/main/resources/application.properties"))));
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        return properties;
    }
}
