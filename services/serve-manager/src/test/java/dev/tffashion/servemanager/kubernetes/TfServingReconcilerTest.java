package dev.tffashion.servemanager.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import dev.tffashion.kafkalocal.testing.KafkaTestResource;
import dev.tffashion.servemanager.ServingTestResource;
import dev.tffashion.servemanager.config.ServingConfig;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.KubernetesServer;
import io.quarkus.test.kubernetes.client.KubernetesTestServer;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;

/** The TF Serving reconciler against the mock API server (CRUD mode): idempotent, keeps the replica count, never takes over. */
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

    private Deployment deployment(TfServingSpec spec) {
        return client.apps().deployments().inNamespace(spec.namespace()).withName(spec.name()).get();
    }
}
