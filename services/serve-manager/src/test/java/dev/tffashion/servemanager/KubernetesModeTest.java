package dev.tffashion.servemanager;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import jakarta.inject.Inject;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

import dev.tffashion.kafkalocal.testing.KafkaTestResource;
import dev.tffashion.pipeline.AnnotatedValue;
import dev.tffashion.pipeline.Json;
import dev.tffashion.pipeline.quarkus.StatusReporter;
import dev.tffashion.pipeline.status.StatusEvent;
import dev.tffashion.pipeline.status.TaskState;
import dev.tffashion.pipeline.store.ContentStore;
import dev.tffashion.servemanager.kubernetes.KubernetesServing;
import dev.tffashion.servemanager.kubernetes.TfServingResources;
import dev.tffashion.servemanager.kubernetes.TfServingSpec;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.arc.ClientProxy;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.kafka.InjectKafkaCompanion;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import io.smallrye.reactive.messaging.kafka.companion.ConsumerTask;
import io.smallrye.reactive.messaging.kafka.companion.KafkaCompanion;

/**
 * The serve-manager started in kubernetes mode against fabric8's mock API server (CRUD mode), through the production path
 * (ServeStartup, the consumer, ServeManager, KubernetesServing): TF Serving's Deployment and Service are created and owned by the
 * serve-manager's Deployment, a hand-edited or deleted object is put back by the informer, and a model that arrives while no TF
 * Serving pod runs stays pending (never dead-lettered) until one does. No TF Serving runs here, so the flow is followed up to the
 * install.
 */
@QuarkusTest
@TestProfile(KubernetesModeTest.KubernetesMode.class)
@WithTestResource(KafkaTestResource.class)
@WithTestResource(value = ServingTestResource.class, initArgs = @ResourceArg(name = ServingTestResource.MODE, value = "kubernetes"))
@WithKubernetesTestServer(crud = true)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class KubernetesModeTest {

    /** Owned by the serve-manager's Deployment; short rollout waits and resyncs, so that the test sees them repeat. */
    public static class KubernetesMode implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("serving.kubernetes.owner-deployment", "serve-manager", "serving.kubernetes.rollout-timeout", "1s",
                    "serving.kubernetes.resync", "1s");
        }
    }

    private static final Duration WAIT = Duration.ofSeconds(60);

    @InjectKafkaCompanion
    KafkaCompanion companion;

    @Inject
    KubernetesClient client;

    @Inject
    ServingBackend backend;

    @Inject
    ContentStore store;

    @Inject
    StatusReporter status;

    @Inject
    ModelRepository repository;

    @TempDir
    Path temp;

    private TfServingSpec spec;
    private ConsumerTask<String, String> deadLetters;

    @BeforeAll
    void start() {
        ServingBackend unwrapped = ClientProxy.unwrap(backend);
        assertThat(unwrapped).isInstanceOf(KubernetesServing.class);
        spec = ((KubernetesServing) unwrapped).spec();
        deadLetters = companion.consumeStrings().withProp(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest")
                .fromTopics("tf-fashion.serve.dlq");
    }

    @AfterAll
    void close() {
        if (deadLetters != null) {
            deadLetters.close();
        }
    }

    @Test
    @Order(1)
    void tfServingIsCreatedAndOwnedByTheServeManagersDeployment() {
        await("created at start-up").atMost(WAIT).until(() -> deployment() != null && service() != null);
        Deployment owner = client.apps().deployments().inNamespace(spec.namespace()).resource(new DeploymentBuilder()
                .withNewMetadata().withName("serve-manager").endMetadata().withNewSpec().withNewSelector()
                .addToMatchLabels("app.kubernetes.io/name", "serve-manager").endSelector().endSpec().build()).create();

        await().atMost(WAIT).untilAsserted(() -> {
            for (HasMetadata object : new HasMetadata[] {deployment(), service()}) {
                assertThat(object.getMetadata().getOwnerReferences()).as(object.getKind()).singleElement()
                        .satisfies(ref -> assertThat(ref.getUid()).isEqualTo(owner.getMetadata().getUid()));
            }
        });
        assertThat(deployment().getMetadata().getLabels()).containsEntry(TfServingResources.MANAGED_BY, TfServingResources.MANAGER);
    }

    @Test
    @Order(2)
    void aHandEditedDeploymentAndADeletedServiceArePutBack() {
        client.apps().deployments().inNamespace(spec.namespace()).withName(spec.name()).edit(d -> {
            d.getSpec().getTemplate().getSpec().getContainers().get(0).setImage("someone/else:latest");
            return d;
        });
        client.services().inNamespace(spec.namespace()).withName(spec.name()).delete();

        await().atMost(WAIT).untilAsserted(() -> {
            assertThat(deployment().getSpec().getTemplate().getSpec().getContainers().get(0).getImage()).isEqualTo(spec.image());
            assertThat(service()).isNotNull();
        });
    }

    @Test
    @Order(3)
    void aModelStaysPendingWhileNoTfServingPodRunsAndIsInstalledOnceOneDoes() throws Exception {
        AnnotatedValue model = TestModels.modelValue(store, TestModels.export(temp.resolve("model"), 3, TestModels.Samples.LEARN), "0.8");
        companion.produceStrings().fromRecords(new ProducerRecord<>("tf-fashion.learn.model", model.id(), Json.toString(model)))
                .awaitCompletion(Duration.ofSeconds(30));

        StatusEvent pending = await().atMost(WAIT).until(() -> status.last(ServeManager.TASK),
                e -> e != null && e.reason().contains("model " + model.id() + " is pending") && e.reason().contains("attempt 3"));
        assertThat(pending.state()).isEqualTo(TaskState.WAITING);
        assertThat(pending.reason()).contains("no pod of the TF Serving Deployment " + spec.namespace() + "/" + spec.name() + " runs");
        assertThat(deadLetters.getRecords()).as("a slow rollout refuses nothing").isEmpty();
        assertThat(repository.findByModelValue(model.id())).as("not installed while no TF Serving pod runs").isEmpty();

        client.pods().inNamespace(spec.namespace()).resource(new PodBuilder()
                .withNewMetadata().withName(spec.name() + "-5d8f9-abcde").withLabels(TfServingResources.labels(spec)).endMetadata()
                .withNewStatus().withPhase("Running").addNewContainerStatus().withName("tf-serving").withNewState().withNewRunning()
                .endRunning().endState().endContainerStatus().endStatus()
                .build()).create();

        await().atMost(WAIT).until(() -> repository.findByModelValue(model.id()).isPresent());
        assertThat(deadLetters.getRecords()).isEmpty();
    }

    private Deployment deployment() {
        return client.apps().deployments().inNamespace(spec.namespace()).withName(spec.name()).get();
    }

    private Service service() {
        return client.services().inNamespace(spec.namespace()).withName(spec.name()).get();
    }
}
