package dev.tffashion.servemanager.kubernetes;

import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.tffashion.servemanager.config.ServingConfig;
import io.fabric8.kubernetes.api.model.DeletionPropagation;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.utils.Serialization;

/**
 * The one class that talks to the Kubernetes API server: makes the TF Serving Deployment and Service match
 * {@link TfServingResources}, idempotently. Absent: created. Present and as asked (the spec hash, the labels, the owner reference,
 * and every field of the desired spec, so that a hand-edited spec is seen even when its hash annotation was left alone): left
 * alone, no write at all. Different: updated in place, keeping the replica count (an autoscaler or a person may own it) and the
 * Service's cluster IP; a write refused with 409 Conflict is retried on a fresh read. An object of the same name that this
 * service does not manage is refused, never taken over. Also watches both objects (informers) and waits for a running pod.
 * A Deployment whose selector changed (immutable) is deleted and created again.
 * Needs get, list, watch, create, update and delete on deployments (apps) and services, and list and watch on pods, in the namespace.
 */
@ApplicationScoped
public class TfServingReconciler {

    private static final Logger LOG = Logger.getLogger(TfServingReconciler.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String CONTAINER = "tf-serving";

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

    @Inject
    ServingConfig config;

    /** The namespace the client works in (the pod's own, or the kube config's). */
    public String defaultNamespace() {
        String namespace = client.getNamespace();
        return namespace == null || namespace.isBlank() ? "default" : namespace;
    }

    /** Makes the cluster match the spec; with an owner Deployment name, both objects are owned by that Deployment. */
    public Result reconcile(TfServingSpec spec, Optional<String> ownerDeployment) {
        try {
            OwnerReference owner = ownerDeployment.map(name -> owner(spec.namespace(), name)).orElse(null);
            Action deployment = withConflictRetries(() -> reconcileDeployment(owned(TfServingResources.deployment(spec), owner), owner));
            Action service = withConflictRetries(() -> reconcileService(owned(TfServingResources.service(spec), owner), owner));
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

    /** Makes the cluster match the spec, without an owner. */
    public Result reconcile(TfServingSpec spec) {
        return reconcile(spec, Optional.empty());
    }

    /**
     * Watches the Deployment and the Service: {@code changed} runs on every change seen (added, updated, deleted) and on every
     * resync. Close the informers to stop.
     */
    public List<SharedIndexInformer<? extends HasMetadata>> watch(TfServingSpec spec, Duration resync, Runnable changed) {
        SharedIndexInformer<Deployment> deployments = client.apps().deployments().inNamespace(spec.namespace()).withName(spec.name())
                .inform(handler(changed), resync.toMillis());
        SharedIndexInformer<Service> services = client.services().inNamespace(spec.namespace()).withName(spec.name())
                .inform(handler(changed), resync.toMillis());
        return List.of(deployments, services);
    }

    /**
     * Waits up to {@code limit} until a pod of the Deployment has its TF Serving container running (the image pulled, the pod
     * scheduled and started); whether one did. Readiness is not asked: TF Serving's probe fails until a model is installed.
     */
    public boolean awaitRunningPod(TfServingSpec spec, Duration limit) {
        CompletableFuture<List<Pod>> running = client.pods().inNamespace(spec.namespace()).withLabels(TfServingResources.selector(spec))
                .informOnCondition(pods -> pods.stream().anyMatch(TfServingReconciler::running));
        try {
            running.get(limit.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for a TF Serving pod in " + spec.namespace(), e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot watch the TF Serving pods in " + spec.namespace() + ": " + e.getCause().getMessage()
                    + " (may the serve-manager list and watch pods?)", e.getCause());
        } finally {
            running.cancel(true);
        }
    }

    private static boolean running(Pod pod) {
        return pod.getMetadata().getDeletionTimestamp() == null && pod.getStatus() != null
                && pod.getStatus().getContainerStatuses() != null
                && pod.getStatus().getContainerStatuses().stream()
                        .anyMatch(c -> CONTAINER.equals(c.getName()) && c.getState() != null && c.getState().getRunning() != null);
    }

    private static <T> ResourceEventHandler<T> handler(Runnable changed) {
        return new ResourceEventHandler<>() {
            @Override
            public void onAdd(T object) {
                changed.run();
            }

            @Override
            public void onUpdate(T before, T after) {
                changed.run();
            }

            @Override
            public void onDelete(T object, boolean finalStateUnknown) {
                changed.run();
            }
        };
    }

    private OwnerReference owner(String namespace, String name) {
        Deployment owner = client.apps().deployments().inNamespace(namespace).withName(name).get();
        if (owner == null) {
            LOG.warnf("the owner Deployment %s (serving.kubernetes.owner-deployment) is not in namespace %s: TF Serving is created "
                    + "without an owner for now; the next reconcile adds it", name, namespace);
            return null;
        }
        return new OwnerReferenceBuilder().withApiVersion("apps/v1").withKind("Deployment").withName(name)
                .withUid(owner.getMetadata().getUid()).withController(false).withBlockOwnerDeletion(false).build();
    }

    private static <T extends HasMetadata> T owned(T object, OwnerReference owner) {
        if (owner != null) {
            object.getMetadata().setOwnerReferences(List.of(owner));
        }
        return object;
    }

    private Action withConflictRetries(Supplier<Action> write) {
        int conflictRetries = Math.max(1, config.kubernetes().conflictRetries());
        for (int attempt = 1; ; attempt++) {
            try {
                return write.get();
            } catch (KubernetesClientException e) {
                if (e.getCode() != 409 || attempt >= conflictRetries) {
                    throw e;
                }
                LOG.infof("conflict writing TF Serving (attempt %d of %d): %s; reading it again", attempt, conflictRetries,
                        e.getMessage());
            }
        }
    }

    private Action reconcileDeployment(Deployment desired, OwnerReference owner) {
        Deployment current = client.apps().deployments().inNamespace(desired.getMetadata().getNamespace())
                .withName(desired.getMetadata().getName()).get();
        if (current == null) {
            client.resource(desired).create();
            return Action.CREATED;
        }
        requireManaged(current);
        if (same(current, desired, owner)) {
            return Action.UNCHANGED;
        }
        if (!desired.getSpec().getSelector().equals(current.getSpec().getSelector())) {
            LOG.infof("the selector of Deployment %s/%s changed, which Kubernetes cannot update: deleting and recreating it",
                    current.getMetadata().getNamespace(), current.getMetadata().getName());
            client.resource(current).withPropagationPolicy(DeletionPropagation.FOREGROUND).delete();
            client.apps().deployments().inNamespace(current.getMetadata().getNamespace()).withName(current.getMetadata().getName())
                    .waitUntilCondition(Objects::isNull, 2, TimeUnit.MINUTES);
            client.resource(desired).create();
            return Action.UPDATED;
        }
        Deployment update = new DeploymentBuilder(desired)
                .editMetadata().withResourceVersion(current.getMetadata().getResourceVersion()).endMetadata()
                .editSpec().withReplicas(current.getSpec().getReplicas()).endSpec()
                .build();
        if (owner == null) {
            update.getMetadata().setOwnerReferences(current.getMetadata().getOwnerReferences());
        }
        client.resource(update).update();
        return Action.UPDATED;
    }

    private Action reconcileService(Service desired, OwnerReference owner) {
        Service current = client.services().inNamespace(desired.getMetadata().getNamespace())
                .withName(desired.getMetadata().getName()).get();
        if (current == null) {
            client.resource(desired).create();
            return Action.CREATED;
        }
        requireManaged(current);
        if (same(current, desired, owner)) {
            return Action.UNCHANGED;
        }
        Service update = new ServiceBuilder(desired)
                .editMetadata().withResourceVersion(current.getMetadata().getResourceVersion()).endMetadata()
                .editSpec().withClusterIP(current.getSpec().getClusterIP()).withClusterIPs(current.getSpec().getClusterIPs()).endSpec()
                .build();
        if (owner == null) {
            update.getMetadata().setOwnerReferences(current.getMetadata().getOwnerReferences());
        }
        client.resource(update).update();
        return Action.UPDATED;
    }

    private static boolean same(HasMetadata current, HasMetadata desired, OwnerReference owner) {
        String hash = TfServingResources.hashOf(current);
        Map<String, String> labels = current.getMetadata().getLabels();
        boolean owned = owner == null || current.getMetadata().getOwnerReferences() != null
                && current.getMetadata().getOwnerReferences().stream().anyMatch(o -> owner.getUid().equals(o.getUid()));
        return hash != null && hash.equals(TfServingResources.hashOf(desired)) && labels != null
                && labels.entrySet().containsAll(desired.getMetadata().getLabels().entrySet()) && owned
                && covers(specOf(current), specOf(desired));
    }

    /** The spec as JSON, without the replica count (which is not ours to keep). */
    private static JsonNode specOf(HasMetadata object) {
        Object spec = object instanceof Deployment d ? new DeploymentBuilder(d).editSpec().withReplicas(null).endSpec().build().getSpec()
                : ((Service) object).getSpec();
        try {
            return JSON.readTree(Serialization.asJson(spec));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot read back the spec of " + object.getKind() + " " + object.getMetadata().getName(), e);
        }
    }

    /**
     * Whether every field of {@code desired} has the same value in {@code current}: fields the API server fills in (defaults) are
     * ignored, a changed or removed field is not. Lists must have the same length and match element by element.
     */
    static boolean covers(JsonNode current, JsonNode desired) {
        if (desired == null || desired.isNull() || desired.isContainerNode() && desired.isEmpty()) {
            return true;
        }
        if (current == null || current.isNull() || current.isMissingNode()) {
            return false;
        }
        if (desired.isObject()) {
            if (!current.isObject()) {
                return false;
            }
            for (Iterator<Map.Entry<String, JsonNode>> fields = desired.fields(); fields.hasNext();) {
                Map.Entry<String, JsonNode> field = fields.next();
                if (!covers(current.get(field.getKey()), field.getValue())) {
                    return false;
                }
            }
            return true;
        }
        if (desired.isArray()) {
            if (!current.isArray() || current.size() != desired.size()) {
                return false;
            }
            for (int i = 0; i < desired.size(); i++) {
                if (!covers(current.get(i), desired.get(i))) {
                    return false;
                }
            }
            return true;
        }
        return desired.asText().equals(current.asText());
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
            case 403 -> "forbidden: the service account needs get, list, watch, create, update and delete on deployments (apps) and "
                    + "services, and list and watch on pods, in this namespace (" + e.getMessage() + ")";
            case 409 -> "still conflicting after serving.kubernetes.conflict-retries attempts (someone else keeps changing the "
                    + "objects): " + e.getMessage();
            case 422 -> "the API server refused the object: " + e.getMessage();
            default -> e.getMessage();
        };
    }
}
