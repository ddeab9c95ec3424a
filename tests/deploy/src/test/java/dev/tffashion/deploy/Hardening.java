package dev.tffashion.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.networking.v1.HTTPIngressPath;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/** Checks every deployment form must pass: least privilege, non-root pods, probes, resources, the front door's routes. */
final class Hardening {

    static final List<String> SERVICES = List.of("file-drop", "learn", "serve-manager", "image-convert", "predict");

    /**
     * What the serve-manager may do, in its namespace only: reconcile the tf-serving Deployment and Service (an informer watches
     * them to put back a hand-edited spec; delete to recreate one), watch pods to see a rollout start, and hold the leader
     * election's Lease (get, create, update: what fabric8's LeaderElector calls, no list, watch or delete).
     */
    static final Map<String, Set<String>> SERVE_MANAGER_RULES = Map.of(
            "apps/deployments", Set.of("get", "list", "watch", "create", "update", "delete"),
            "/services", Set.of("get", "list", "watch", "create", "update", "delete"),
            "/pods", Set.of("list", "watch"),
            "coordination.k8s.io/leases", Set.of("get", "create", "update"));

    /** What learn may do, in its namespace only: run a Python script as a Job, watch it, delete it, follow its pod's log. */
    static final Map<String, Set<String>> LEARN_RULES = Map.of(
            "batch/jobs", Set.of("get", "list", "watch", "create", "delete"),
            "/pods", Set.of("get", "list", "watch"),
            "/pods/log", Set.of("get"));

    /** The services that call the API server, each under its own ServiceAccount, Role and RoleBinding of that name. */
    static final Map<String, Map<String, Set<String>>> API_CLIENTS = Map.of("serve-manager", SERVE_MANAGER_RULES, "learn", LEARN_RULES);

    private Hardening() {
    }

    /** Every check, on one rendering of a deployment form. */
    static void assertAll(List<HasMetadata> objects) {
        API_CLIENTS.forEach((name, rules) -> assertRbac(objects, name, rules));
        assertTrue(Manifests.ofKind(objects, ClusterRole.class).isEmpty(), "no ClusterRole");
        assertTrue(Manifests.ofKind(objects, ClusterRoleBinding.class).isEmpty(), "no ClusterRoleBinding");
        // With the content store in a bucket (s3), only the serve-manager needs the claim: it writes the models TF Serving reads.
        boolean s3 = "s3".equals(Manifests.named(objects, ConfigMap.class, "tf-fashion-config").getData().get("TF_FASHION_STORE_KIND"));
        for (String name : SERVICES) {
            Deployment deployment = Manifests.named(objects, Deployment.class, name);
            assertPodHardened(deployment, !s3 || name.equals("serve-manager"));
            assertServiceSelects(Manifests.named(objects, Service.class, name), deployment);
        }
        assertEquals(SERVICES.size(), Manifests.ofKind(objects, Deployment.class).size(), "one Deployment per service, no more");
        assertIngressRoutesToFileDrop(Manifests.named(objects, Ingress.class, "tf-fashion"));
        assertFileDropTokenFromAnOptionalSecret(Manifests.named(objects, Deployment.class, "file-drop"));
        assertFileDropIndexOnItsOwnVolume(Manifests.named(objects, Deployment.class, "file-drop"));
        assertLearnKnowsItsPod(Manifests.named(objects, Deployment.class, "learn"));
        assertServeManagerOwnsTfServing(Manifests.named(objects, Deployment.class, "serve-manager"));
        assertTrue(Manifests.ofKind(objects, Secret.class).isEmpty(), "no Secret is rendered: secrets are created by the user");
    }

    /** The drop token comes from a Secret the user creates (optional: without it drops are open), never a value in the files. */
    /** file-drop's index (Kafka Streams state stores) lives on a volume of its own, where its state-dir setting points. */
    static void assertFileDropIndexOnItsOwnVolume(Deployment fileDrop) {
        PodSpec pod = fileDrop.getSpec().getTemplate().getSpec();
        Container container = pod.getContainers().get(0);
        String dir = container.getEnv().stream().filter(e -> e.getName().equals("TF_FASHION_FILE_DROP_STATE_DIR")).findFirst()
                .map(EnvVar::getValue).orElseThrow(() -> new AssertionError("file-drop has no TF_FASHION_FILE_DROP_STATE_DIR"));
        var mount = container.getVolumeMounts().stream().filter(m -> m.getMountPath().equals(dir)).findFirst()
                .orElseThrow(() -> new AssertionError("file-drop's state dir " + dir + " is not a mounted volume"));
        var volume = pod.getVolumes().stream().filter(v -> v.getName().equals(mount.getName())).findFirst().orElseThrow();
        assertNotNull(volume.getEmptyDir(), "file-drop's index volume is an emptyDir (the documented trade-off)");
        assertNotNull(volume.getEmptyDir().getSizeLimit(), "file-drop's index volume has a size limit");
    }

    static void assertFileDropTokenFromAnOptionalSecret(Deployment fileDrop) {
        Container container = fileDrop.getSpec().getTemplate().getSpec().getContainers().get(0);
        EnvVar token = container.getEnv().stream().filter(e -> e.getName().equals("FILE_DROP_TOKEN")).findFirst()
                .orElseThrow(() -> new AssertionError("file-drop has no FILE_DROP_TOKEN"));
        assertNull(token.getValue(), "FILE_DROP_TOKEN has a literal value");
        var secret = token.getValueFrom().getSecretKeyRef();
        assertNotNull(secret, "FILE_DROP_TOKEN comes from a Secret");
        assertEquals("tf-fashion-file-drop", secret.getName());
        assertEquals("token", secret.getKey());
        assertEquals(Boolean.TRUE, secret.getOptional(), "the Secret is optional: without it drops are open");
    }

    static void assertRbac(List<HasMetadata> objects, String name, Map<String, Set<String>> rules) {
        Role role = Manifests.named(objects, Role.class, name);
        Map<String, Set<String>> granted = new TreeMap<>();
        for (PolicyRule rule : role.getRules()) {
            assertTrue(rule.getNonResourceURLs() == null || rule.getNonResourceURLs().isEmpty(), "no non-resource URLs");
            assertTrue(rule.getResourceNames() == null || rule.getResourceNames().isEmpty() || !rule.getVerbs().contains("create"),
                    "resourceNames cannot restrict create: " + rule);
            for (String group : rule.getApiGroups()) {
                for (String resource : rule.getResources()) {
                    assertFalse(group.contains("*") || resource.contains("*") || rule.getVerbs().contains("*"),
                            "no wildcards in the " + name + " Role: " + rule);
                    granted.computeIfAbsent(group + "/" + resource, k -> new TreeSet<>()).addAll(rule.getVerbs());
                }
            }
        }
        Map<String, Set<String>> allowed = new TreeMap<>();
        rules.forEach((resource, verbs) -> allowed.put(resource, new TreeSet<>(verbs)));
        assertEquals(allowed, granted, "the " + name + " Role grants exactly what its service calls");

        RoleBinding binding = Manifests.named(objects, RoleBinding.class, name);
        assertEquals("Role", binding.getRoleRef().getKind(), "bound as a namespaced Role, never a ClusterRole");
        assertEquals(name, binding.getRoleRef().getName());
        assertEquals(1, binding.getSubjects().size());
        assertEquals("ServiceAccount", binding.getSubjects().get(0).getKind());
        assertEquals(name, binding.getSubjects().get(0).getName());
        assertNotNull(Manifests.named(objects, ServiceAccount.class, name));
    }

    /** learn's pod passes its name and uid (downward API) so that the Jobs it creates are owned by it. */
    static void assertLearnKnowsItsPod(Deployment learn) {
        Container container = learn.getSpec().getTemplate().getSpec().getContainers().get(0);
        Map<String, String> fields = new TreeMap<>();
        container.getEnv().stream().filter(e -> e.getValueFrom() != null && e.getValueFrom().getFieldRef() != null)
                .forEach(e -> fields.put(e.getName(), e.getValueFrom().getFieldRef().getFieldPath()));
        assertEquals("metadata.name", fields.get("POD_NAME"), "learn: POD_NAME from the downward API");
        assertEquals("metadata.uid", fields.get("POD_UID"), "learn: POD_UID from the downward API");
    }

    /** The serve-manager names its own Deployment, the owner of the tf-serving Deployment and Service it creates. */
    static void assertServeManagerOwnsTfServing(Deployment serveManager) {
        Container container = serveManager.getSpec().getTemplate().getSpec().getContainers().get(0);
        assertEquals(serveManager.getMetadata().getName(), container.getEnv().stream()
                .filter(e -> e.getName().equals("SERVING_KUBERNETES_OWNER_DEPLOYMENT")).findFirst()
                .orElseThrow(() -> new AssertionError("serve-manager has no SERVING_KUBERNETES_OWNER_DEPLOYMENT")).getValue());
    }

    static void assertPodHardened(Deployment deployment, boolean needsClaim) {
        String name = deployment.getMetadata().getName();
        PodSpec pod = deployment.getSpec().getTemplate().getSpec();
        if (API_CLIENTS.containsKey(name)) {
            assertEquals(name, pod.getServiceAccountName(), name + " runs under its own ServiceAccount");
            assertTrue(pod.getAutomountServiceAccountToken() == null || pod.getAutomountServiceAccountToken(),
                    name + " needs its API token");
        } else {
            assertEquals(Boolean.FALSE, pod.getAutomountServiceAccountToken(), name + " has no use for an API token");
            assertTrue(pod.getServiceAccountName() == null || pod.getServiceAccountName().equals("default"),
                    name + " needs no ServiceAccount of its own");
        }
        PodSecurityContext podSecurity = pod.getSecurityContext();
        assertNotNull(podSecurity, name + ": pod securityContext");
        assertEquals(Boolean.TRUE, podSecurity.getRunAsNonRoot(), name + ": runAsNonRoot");
        assertNotNull(podSecurity.getRunAsUser(), name + ": runAsUser");
        assertTrue(podSecurity.getRunAsUser() > 0, name + ": runAsUser is not root");
        assertNotNull(podSecurity.getSeccompProfile(), name + ": seccompProfile");

        assertEquals(1, pod.getContainers().size(), name + ": one container");
        Container container = pod.getContainers().get(0);
        assertTrue(container.getImage().startsWith("tf-fashion/" + name + ":"), name + ": image " + container.getImage());
        SecurityContext security = container.getSecurityContext();
        assertNotNull(security, name + ": container securityContext");
        assertEquals(Boolean.FALSE, security.getAllowPrivilegeEscalation(), name + ": allowPrivilegeEscalation");
        assertEquals(Boolean.TRUE, security.getReadOnlyRootFilesystem(), name + ": readOnlyRootFilesystem");
        assertTrue(security.getPrivileged() == null || !security.getPrivileged(), name + ": not privileged");
        assertEquals(List.of("ALL"), security.getCapabilities().getDrop(), name + ": drops every capability");

        assertProbe(container.getLivenessProbe(), "/q/health/live", name + ": livenessProbe");
        assertProbe(container.getReadinessProbe(), "/q/health/ready", name + ": readinessProbe");
        assertNotNull(container.getStartupProbe(), name + ": startupProbe");

        var resources = container.getResources();
        assertNotNull(resources.getRequests().get("cpu"), name + ": cpu request");
        assertNotNull(resources.getRequests().get("memory"), name + ": memory request");
        assertNotNull(resources.getLimits().get("memory"), name + ": memory limit");

        Set<String> mounts = new TreeSet<>();
        container.getVolumeMounts().forEach(m -> mounts.add(m.getMountPath()));
        assertTrue(mounts.contains("/tmp"), name + ": a writable /tmp under the read-only root");
        assertTrue(mounts.contains("/data"), name + ": the shared claim at /data");
        assertEquals(needsClaim, pod.getVolumes().stream().anyMatch(v -> v.getPersistentVolumeClaim() != null
                && "tf-fashion-data".equals(v.getPersistentVolumeClaim().getClaimName())), name + ": claim tf-fashion-data");
        for (EnvVar env : container.getEnv()) {
            assertFalse(env.getValue() != null && env.getName().matches(".*(TOKEN|PASSWORD|SECRET|KEY).*"),
                    name + ": " + env.getName() + " has a literal value in the manifests");
        }
        assertTrue(container.getEnvFrom().stream().anyMatch(e -> e.getConfigMapRef() != null
                && "tf-fashion-config".equals(e.getConfigMapRef().getName())), name + ": settings from tf-fashion-config");
    }

    private static void assertProbe(Probe probe, String path, String what) {
        assertNotNull(probe, what);
        assertNotNull(probe.getHttpGet(), what + " over HTTP");
        assertEquals(path, probe.getHttpGet().getPath(), what);
    }

    static void assertServiceSelects(Service service, Deployment deployment) {
        Map<String, String> podLabels = deployment.getSpec().getTemplate().getMetadata().getLabels();
        service.getSpec().getSelector().forEach((key, value) -> assertEquals(value, podLabels.get(key),
                "Service " + service.getMetadata().getName() + " selects its pods by " + key));
        assertEquals(deployment.getSpec().getSelector().getMatchLabels(), service.getSpec().getSelector(),
                "Service and Deployment select the same pods");
        assertEquals("http", service.getSpec().getPorts().get(0).getTargetPort().getStrVal());
    }

    static void assertIngressRoutesToFileDrop(Ingress ingress) {
        assertEquals(1, ingress.getSpec().getRules().size());
        var rule = ingress.getSpec().getRules().get(0);
        assertTrue(rule.getHost().startsWith("tf-fashion."), "host tf-fashion.<namespace>.<domain>: " + rule.getHost());
        Set<String> paths = new TreeSet<>();
        for (HTTPIngressPath path : rule.getHttp().getPaths()) {
            paths.add(path.getPath());
            assertEquals("file-drop", path.getBackend().getService().getName(), path.getPath() + " goes to the file drop");
            assertEquals("Prefix", path.getPathType());
        }
        assertEquals(new TreeSet<>(List.of("/", "/scriptInput", "/imageInput", "/v1")), paths);
    }
}
