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
 * one, and no consumer group has more replicas than its topics have partitions (TF_FASHION_TOPICS_PARTITIONS).
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
    void scaledServicesRunSeveralReplicasTheServeManagerOne() {
        for (List<HasMetadata> objects : List.of(kustomize, helm)) {
            for (String name : SCALED) {
                Integer replicas = Manifests.named(objects, Deployment.class, name).getSpec().getReplicas();
                assertTrue(replicas != null && replicas > 1, name + " runs more than one replica: " + replicas);
            }
            assertEquals(1, Manifests.named(objects, Deployment.class, "serve-manager").getSpec().getReplicas(),
                    "one serve-manager: it numbers the model versions");
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
