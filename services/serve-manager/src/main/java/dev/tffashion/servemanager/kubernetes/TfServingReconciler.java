package dev.tffashion.servemanager.kubernetes;

import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;

/**
 * The one class that talks to the Kubernetes API server: makes the TF Serving Deployment and Service match
 * {@link TfServingResources}, idempotently. Absent: created. Present with the same spec hash: left alone (no write at all).
 * Different: updated in place, keeping the replica count (an autoscaler or a person may own it) and the Service's cluster IP.
 * An object of the same name that this service does not manage is refused, never taken over.
 * Needs get, create and update on deployments (apps) and services (core) in the namespace.
 */
@ApplicationScoped
public class TfServingReconciler {

    private static final Logger LOG = Logger.getLogger(TfServingReconciler.class);

    /** What a reconcile did to one object. */
    public enum Action {
        CREATED,
        UPDATED,
        UNCHANGED
    }

    /** What a reconcile did to the Deployment and the Service. */
    public record Result(Action deployment, Action service) {
        /** Whether anything was written. */
        public boolean changed() {
            return deployment != Action.UNCHANGED || service != Action.UNCHANGED;
        }
    }

    @Inject
    KubernetesClient client;

    /** The namespace the client works in (the pod's own, or the kube config's). */
    public String defaultNamespace() {
        String namespace = client.getNamespace();
        return namespace == null || namespace.isBlank() ? "default" : namespace;
    }

    /** Makes the cluster match the spec. */
    public Result reconcile(TfServingSpec spec) {
        try {
            Action deployment = reconcileDeployment(TfServingResources.deployment(spec));
            Action service = reconcileService(TfServingResources.service(spec));
            Result result = new Result(deployment, service);
            if (result.changed()) {
                LOG.infof("TF Serving in namespace %s: Deployment %s %s, Service %s %s (image %s, claim %s)", spec.namespace(),
                        spec.name(), deployment.name().toLowerCase(), spec.name(), service.name().toLowerCase(), spec.image(),
                        spec.modelsClaim());
            } else {
                LOG.debugf("TF Serving in namespace %s is as configured", spec.namespace());
            }
            return result;
        } catch (KubernetesClientException e) {
            throw new IllegalStateException("cannot reconcile TF Serving (Deployment and Service " + spec.name() + ") in namespace "
                    + spec.namespace() + ": " + describe(e), e);
        }
    }

    private Action reconcileDeployment(Deployment desired) {
        Deployment current = client.apps().deployments().inNamespace(desired.getMetadata().getNamespace())
                .withName(desired.getMetadata().getName()).get();
        if (current == null) {
            client.resource(desired).create();
            return Action.CREATED;
        }
        requireManaged(current);
        if (same(current, desired)) {
            return Action.UNCHANGED;
        }
        Deployment update = new DeploymentBuilder(desired)
                .editMetadata().withResourceVersion(current.getMetadata().getResourceVersion()).endMetadata()
                .editSpec().withReplicas(current.getSpec().getReplicas()).endSpec()
                .build();
        client.resource(update).update();
        return Action.UPDATED;
    }

    private Action reconcileService(Service desired) {
        Service current = client.services().inNamespace(desired.getMetadata().getNamespace())
                .withName(desired.getMetadata().getName()).get();
        if (current == null) {
            client.resource(desired).create();
            return Action.CREATED;
        }
        requireManaged(current);
        if (same(current, desired)) {
            return Action.UNCHANGED;
        }
        Service update = new ServiceBuilder(desired)
                .editMetadata().withResourceVersion(current.getMetadata().getResourceVersion()).endMetadata()
                .editSpec().withClusterIP(current.getSpec().getClusterIP()).withClusterIPs(current.getSpec().getClusterIPs()).endSpec()
                .build();
        client.resource(update).update();
        return Action.UPDATED;
    }

    private static boolean same(HasMetadata current, HasMetadata desired) {
        String hash = TfServingResources.hashOf(current);
        Map<String, String> labels = current.getMetadata().getLabels();
        return hash != null && hash.equals(TfServingResources.hashOf(desired)) && labels != null
                && labels.entrySet().containsAll(desired.getMetadata().getLabels().entrySet());
    }

    private static void requireManaged(HasMetadata current) {
        Map<String, String> labels = current.getMetadata().getLabels();
        if (labels == null || !TfServingResources.MANAGER.equals(labels.get(TfServingResources.MANAGED_BY))) {
            throw new IllegalStateException(current.getKind() + " " + current.getMetadata().getName() + " in namespace "
                    + current.getMetadata().getNamespace() + " exists but is not managed by the serve-manager (label "
                    + TfServingResources.MANAGED_BY + "=" + TfServingResources.MANAGER + " is missing): delete it, or choose "
                    + "another name with serving.kubernetes.name");
        }
    }

    private static String describe(KubernetesClientException e) {
        return switch (e.getCode()) {
            case 401 -> "not authenticated to the API server (service account token?)";
            case 403 -> "forbidden: the service account needs get, create and update on deployments (apps) and services in this "
                    + "namespace (" + e.getMessage() + ")";
            case 422 -> "the API server refused the object: " + e.getMessage();
            default -> e.getMessage();
        };
    }
}
