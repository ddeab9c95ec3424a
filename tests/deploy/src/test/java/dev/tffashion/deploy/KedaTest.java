package dev.tffashion.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The optional KEDA ScaledObjects (kustomize component deploy/k8s/keda, the chart's autoscaling.keda.enabled): image-convert
 * and predict scale on their consumer group's lag; the objects pass the schema of the published KEDA models
 * (@kubernetes-models/keda, by node); both forms render the same; neither the base nor the chart's defaults has them.
 */
class KedaTest {

    /** The services KEDA scales, with the incoming channel whose consumer group's lag it reads. */
    static final Map<String, String> SCALED = Map.of("image-convert", "images", "predict", "tensors");

    private static final Path PACKAGE = Manifests.ROOT.resolve("tests/deploy");

    static List<JsonNode> kustomize;
    static List<JsonNode> helm;

    @BeforeAll
    static void render(@TempDir Path copy) throws IOException {
        Manifests.copyTree(Manifests.KUSTOMIZE_BASE, copy.resolve("k8s"));
        Path overlay = Files.createDirectories(copy.resolve("with-keda"));
        Files.writeString(overlay.resolve("kustomization.yaml"),
                "namespace: default\nresources:\n  - ../k8s\ncomponents:\n  - ../k8s/keda\n");
        kustomize = Manifests.documents(Manifests.kustomize(overlay));
        helm = Manifests.documents(Manifests.helmTemplate("default", Map.of("autoscaling.keda.enabled", true)));
    }

    @Test
    void scaledObjectsPassTheKedaSchema(@TempDir Path dir) throws IOException {
        installSchema();
        List<JsonNode> objects = new ArrayList<>(keda(kustomize));
        objects.addAll(keda(helm));
        assertEquals(4, objects.size(), "two ScaledObjects from each form");
        Path file = dir.resolve("keda.json");
        Files.writeString(file, new ObjectMapper().writeValueAsString(objects));
        String out = Manifests.run(List.of("node", PACKAGE.resolve("keda-check.mjs").toString(), file.toString()),
                "node (apt-get install nodejs)");
        assertEquals("4 valid", out.trim());
    }

    @Test
    void theSchemaCheckRefusesABrokenScaledObject(@TempDir Path dir) throws IOException {
        installSchema();
        JsonNode broken = keda(kustomize).get(0).deepCopy();
        ((ObjectNode) broken.path("spec")).put("maxReplicaCount", "three");
        Path file = dir.resolve("broken.json");
        Files.writeString(file, new ObjectMapper().writeValueAsString(List.of(broken)));
        String error = assertThrows(AssertionError.class, () -> Manifests.run(
                List.of("node", PACKAGE.resolve("keda-check.mjs").toString(), file.toString()), "node")).getMessage();
        assertTrue(error.contains("maxReplicaCount"), error);
    }

    @Test
    void scaleImageConvertAndPredictOnTheirConsumerGroupsLag() {
        for (List<JsonNode> documents : List.of(kustomize, helm)) {
            List<HasMetadata> objects = Manifests.typed(others(documents));
            Hardening.assertAll(objects);
            Map<String, String> settings = Manifests.named(objects, ConfigMap.class, "tf-fashion-config").getData();
            int partitions = ReplicasTest.partitions(objects);
            String pipeline = settings.get("TF_FASHION_PIPELINE");
            Set<String> names = new TreeSet<>();
            for (JsonNode scaled : keda(documents)) {
                String name = scaled.path("metadata").path("name").asText();
                names.add(name);
                assertEquals("default", scaled.path("metadata").path("namespace").asText("default"), name);
                assertEquals("tf-fashion", scaled.path("metadata").path("labels").path("app.kubernetes.io/part-of").asText(),
                        name + ": labelled as part of tf-fashion, as every other object");
                JsonNode spec = scaled.path("spec");
                assertEquals(name, spec.path("scaleTargetRef").path("name").asText(), name + " scales its own Deployment");
                int min = spec.path("minReplicaCount").asInt();
                int max = spec.path("maxReplicaCount").asInt();
                assertTrue(1 <= min && min <= max && max <= partitions,
                        name + ": 1 <= minReplicaCount " + min + " <= maxReplicaCount " + max + " <= partitions " + partitions);
                assertNull(Manifests.named(objects, Deployment.class, name).getSpec().getReplicas(),
                        name + ": KEDA owns the replicas, the Deployment leaves them out");
                assertEquals(1, spec.path("triggers").size(), name + ": one trigger");
                JsonNode trigger = spec.path("triggers").get(0);
                assertEquals("kafka", trigger.path("type").asText());
                JsonNode metadata = trigger.path("metadata");
                String channel = SCALED.get(name);
                Properties properties = ReplicasTest.applicationProperties(name);
                assertEquals(resolve(properties.getProperty("mp.messaging.incoming." + channel + ".group.id"), pipeline),
                        metadata.path("consumerGroup").asText(), name + ": the service's consumer group");
                assertEquals(resolve(properties.getProperty("mp.messaging.incoming." + channel + ".topic"), pipeline),
                        metadata.path("topic").asText(), name + ": the service's input topic");
                String bootstrap = metadata.path("bootstrapServersFromEnv").asText();
                assertTrue(settings.containsKey(bootstrap), name + ": the bootstrap comes from the settings' " + bootstrap);
                assertTrue(Integer.parseInt(metadata.path("lagThreshold").asText()) > 0, name + ": lagThreshold");
                assertEquals("earliest", metadata.path("offsetResetPolicy").asText(),
                        name + ": a group without offsets starts at the beginning, as the services do");
                Set<String> keys = new TreeSet<>();
                metadata.fieldNames().forEachRemaining(keys::add);
                assertEquals(Set.of("bootstrapServersFromEnv", "consumerGroup", "topic", "lagThreshold", "offsetResetPolicy"), keys,
                        name + ": the Kafka scaler's settings (a typo would be ignored by KEDA)");
            }
            assertEquals(SCALED.keySet(), names, "ScaledObjects for image-convert and predict only");
            for (String name : List.of("file-drop", "learn", "serve-manager")) {
                assertTrue(Manifests.named(objects, Deployment.class, name).getSpec().getReplicas() != null, name + " keeps its replicas");
            }
        }
    }

    @Test
    void kustomizeAndHelmRenderTheSameScaledObjects() {
        Map<String, JsonNode> fromKustomize = new TreeMap<>();
        keda(kustomize).forEach(d -> fromKustomize.put(d.path("metadata").path("name").asText(), d.path("spec")));
        Map<String, JsonNode> fromHelm = new TreeMap<>();
        keda(helm).forEach(d -> fromHelm.put(d.path("metadata").path("name").asText(), d.path("spec")));
        assertEquals(fromKustomize, fromHelm);
    }

    @Test
    void optionalNeverInTheBaseNorTheChartsDefaults() {
        assertTrue(keda(Manifests.documents(Manifests.kustomize(Manifests.KUSTOMIZE_BASE))).isEmpty(),
                "kubectl apply -k deploy/k8s works on a cluster without KEDA");
        assertTrue(keda(Manifests.documents(Manifests.helmTemplate("default", Map.of()))).isEmpty(), "autoscaling.keda.enabled is off");
    }

    @Test
    void helmRefusesMoreReplicasThanPartitions() {
        String wrong = assertThrows(Exception.class, () -> Manifests.helmTemplate("default",
                Map.of("autoscaling.keda.enabled", true, "autoscaling.keda.maxReplicaCount", 5))).getMessage();
        assertTrue(wrong.contains("maxReplicaCount") && wrong.contains("TF_FASHION_TOPICS_PARTITIONS"), wrong);
    }

    /** npm ci in tests/deploy (package-lock.json): @kubernetes-models/keda, the schema of KEDA's objects. */
    private static void installSchema() {
        if (!Files.isDirectory(PACKAGE.resolve("node_modules/@kubernetes-models/keda"))) {
            Manifests.run(List.of("npm", "ci", "--no-audit", "--no-fund", "--loglevel=error", "--prefix", PACKAGE.toString()),
                    "npm (apt-get install npm): it installs @kubernetes-models/keda, the KEDA schema");
        }
    }

    private static String resolve(String value, String pipeline) {
        assertTrue(value != null, "the property is in application.properties");
        return value.replace("${tf-fashion.pipeline}", pipeline);
    }

    private static List<JsonNode> keda(List<JsonNode> documents) {
        return documents.stream().filter(d -> d.path("apiVersion").asText().startsWith("keda.sh/")).toList();
    }

    private static List<JsonNode> others(List<JsonNode> documents) {
        return documents.stream().filter(d -> !d.path("apiVersion").asText().startsWith("keda.sh/")).toList();
    }
}
