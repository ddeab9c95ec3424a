package dev.tffashion.servemanager.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Optional;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import dev.tffashion.kafkalocal.testing.KafkaTestResource;
import dev.tffashion.servemanager.ServingTestResource;
import dev.tffashion.servemanager.config.ServingConfig;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.KubernetesServer;
import io.quarkus.test.kubernetes.client.KubernetesTestServer;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;

/**
 * The TF Serving reconciler against the mock API server (CRUD mode): idempotent, keeps the replica count, never takes over, puts
 * back a hand-edited spec, retries a conflict, and sets the serve-manager's Deployment as the owner.
 */
@QuarkusTest
@WithTestResource(KafkaTestResource.class)
@WithTestResource(ServingTestResource.class)
@WithKubernetesTestServer(crud = true)
class TfServingReconcilerTest {

    @KubernetesTestServer
    KubernetesServer server;

    @Inject
    TfServingReconciler reconciler;

    @Inject
    KubernetesClient client;

    @Inject
    ServingConfig config;

    @Test
    void aSecondRunChangesNothing() {
        TfServingSpec spec = TfServingSpec.from(config, "tf-fashion-a");

        assertThat(reconciler.reconcile(spec))
                .isEqualTo(new TfServingReconciler.Result(TfServingReconciler.Action.CREATED, TfServingReconciler.Action.CREATED));
        Deployment deployment = deployment(spec);
        Service service = client.services().inNamespace(spec.namespace()).withName(spec.name()).get();
        assertThat(deployment.getSpec().getTemplate().getSpec().getContainers().get(0).getImage()).isEqualTo("tensorflow/serving:2.18.0");
        assertThat(deployment.getMetadata().getLabels()).containsEntry(TfServingResources.MANAGED_BY, TfServingResources.MANAGER);

        int requests = server.getKubernetesMockServer().getRequestCount();
        assertThat(reconciler.reconcile(spec).changed()).isFalse();
        assertThat(server.getKubernetesMockServer().getRequestCount() - requests).as("only the two GETs").isEqualTo(2);
        assertThat(deployment(spec).getMetadata().getResourceVersion()).isEqualTo(deployment.getMetadata().getResourceVersion());
        assertThat(client.services().inNamespace(spec.namespace()).withName(spec.name()).get().getMetadata().getResourceVersion())
                .isEqualTo(service.getMetadata().getResourceVersion());
    }

    @Test
    void aChangedImageIsRolledOutKeepingTheReplicaCount() {
        TfServingSpec spec = TfServingSpec.from(config, "tf-fashion-b");
        reconciler.reconcile(spec);
        client.apps().deployments().inNamespace(spec.namespace()).withName(spec.name())
                .edit(d -> {
                    d.getSpec().setReplicas(3);
                    return d;
                });
        assertThat(reconciler.reconcile(spec).changed()).as("a scaled Deployment is left alone").isFalse();

        TfServingSpec newer = new TfServingSpec(spec.namespace(), spec.name(), "tensorflow/serving:2.19.0", spec.imagePullPolicy(),
                spec.modelName(), spec.grpcPort(), spec.restPort(), spec.modelsClaim(), spec.modelsSubPath(), spec.modelsMountPath(),
                spec.replicas(), spec.runAsUser(), spec.fileSystemPollSeconds(), spec.cpuRequest(), spec.memoryRequest(), spec.cpuLimit(),
                spec.memoryLimit());
        assertThat(reconciler.reconcile(newer))
                .isEqualTo(new TfServingReconciler.Result(TfServingReconciler.Action.UPDATED, TfServingReconciler.Action.UNCHANGED));
        Deployment updated = deployment(newer);
        assertThat(updated.getSpec().getReplicas()).isEqualTo(3);
        assertThat(updated.getSpec().getTemplate().getSpec().getContainers().get(0).getImage()).isEqualTo("tensorflow/serving:2.19.0");
        assertThat(reconciler.reconcile(newer).changed()).isFalse();
    }

    @Test
    void anObjectItDoesNotManageIsNotTakenOver() {
        TfServingSpec spec = TfServingSpec.from(config, "tf-fashion-c");
        client.resource(new ServiceBuilder().withNewMetadata().withName(spec.name()).withNamespace(spec.namespace()).endMetadata()
                .withNewSpec().addNewPort().withPort(80).endPort().endSpec().build()).create();
        assertThatThrownBy(() -> reconciler.reconcile(spec)).hasMessageContaining("not managed by the serve-manager");
    }

    @Test
    void aHandEditedSpecIsPutBackEvenWithItsHashLeftAlone() {
        TfServingSpec spec = TfServingSpec.from(config, "tf-fashion-d");
        reconciler.reconcile(spec);
        client.apps().deployments().inNamespace(spec.namespace()).withName(spec.name()).edit(d -> {
            d.getSpec().getTemplate().getSpec().getContainers().get(0).setImage("someone/else:latest");
            d.getSpec().getTemplate().getSpec().getContainers().get(0).getArgs().add("--enable_batching");
            return d;
        });
        client.services().inNamespace(spec.namespace()).withName(spec.name()).edit(s -> {
            s.getSpec().getPorts().get(0).setPort(9999);
            return s;
        });

        assertThat(reconciler.reconcile(spec))
                .isEqualTo(new TfServingReconciler.Result(TfServingReconciler.Action.UPDATED, TfServingReconciler.Action.UPDATED));
        var container = deployment(spec).getSpec().getTemplate().getSpec().getContainers().get(0);
        assertThat(container.getImage()).isEqualTo(spec.image());
        assertThat(container.getArgs()).doesNotContain("--enable_batching");
        assertThat(client.services().inNamespace(spec.namespace()).withName(spec.name()).get().getSpec().getPorts().get(0).getPort())
                .isEqualTo(spec.grpcPort());
        assertThat(reconciler.reconcile(spec).changed()).isFalse();
    }

    @Test
    void aConflictingUpdateIsRetriedOnAFreshRead() {
        TfServingSpec spec = TfServingSpec.from(config, "tf-fashion-e");
        reconciler.reconcile(spec);
        server.expect().put().withPath("/apis/apps/v1/namespaces/" + spec.namespace() + "/deployments/" + spec.name())
                .andReturn(409, new StatusBuilder().withCode(409).withReason("Conflict").withMessage("the object has been modified")
                        .build())
                .once();
        TfServingSpec newer = withImage(spec, "tensorflow/serving:2.19.0");

        assertThat(reconciler.reconcile(newer).deployment()).isEqualTo(TfServingReconciler.Action.UPDATED);
        assertThat(deployment(newer).getSpec().getTemplate().getSpec().getContainers().get(0).getImage())
                .isEqualTo("tensorflow/serving:2.19.0");
    }

    @Test
    void theServeManagersDeploymentOwnsBoth() {
        TfServingSpec spec = TfServingSpec.from(config, "tf-fashion-f");
        Deployment owner = client.apps().deployments().inNamespace(spec.namespace()).resource(new DeploymentBuilder()
                .withNewMetadata().withName("serve-manager").endMetadata().withNewSpec().withNewSelector()
                .addToMatchLabels("app.kubernetes.io/name", "serve-manager").endSelector().endSpec().build()).create();
        reconciler.reconcile(spec);

        assertThat(reconciler.reconcile(spec, Optional.of("serve-manager")))
                .as("owner references added to what exists").isEqualTo(new TfServingReconciler.Result(
                        TfServingReconciler.Action.UPDATED, TfServingReconciler.Action.UPDATED));
        for (HasMetadata object : List.of(deployment(spec),
                client.services().inNamespace(spec.namespace()).withName(spec.name()).get())) {
            assertThat(object.getMetadata().getOwnerReferences()).singleElement().satisfies(ref -> {
                assertThat(ref.getKind()).isEqualTo("Deployment");
                assertThat(ref.getName()).isEqualTo("serve-manager");
                assertThat(ref.getUid()).isEqualTo(owner.getMetadata().getUid()).isNotBlank();
            });
        }
        assertThat(reconciler.reconcile(spec, Optional.of("serve-manager")).changed()).isFalse();
    }

    private static TfServingSpec withImage(TfServingSpec spec, String image) {
        return new TfServingSpec(spec.namespace(), spec.name(), image, spec.imagePullPolicy(),
                spec.modelName(), spec.grpcPort(), spec.restPort(), spec.modelsClaim(), spec.modelsSubPath(), spec.modelsMountPath(),
                spec.replicas(), spec.runAsUser(), spec.fileSystemPollSeconds(), spec.cpuRequest(), spec.memoryRequest(), spec.cpuLimit(),
                spec.memoryLimit());
    }

    private Deployment deployment(TfServingSpec spec) {
        return client.apps().deployments().inNamespace(spec.namespace()).withName(spec.name()).get();
    }
}
