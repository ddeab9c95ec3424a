package dev.tffashion.learn.python;

import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Builds the Kubernetes Job that runs one Python training script (a pure function of its spec). */
public final class LearnJobs {

    /** Label naming the component of every script Job. */
    public static final String COMPONENT = "learn-script";
    /** Label with the dropped script's value id. */
    public static final String VALUE_ID_LABEL = "tf-fashion.dev/value-id";
    /** Label with the model id the Job produces. */
    public static final String MODEL_ID_LABEL = "tf-fashion.dev/model-id";
    /** Name of the Job's container. */
    public static final String CONTAINER = "learn-script";

    private LearnJobs() {
    }

    /**
     * What a script Job needs.
     *
     * @param workRoot     the work folder as both the learn pod and the Job's container see it (the claim is mounted there)
     * @param claimSubPath sub-path of the claim mounted at {@code workRoot}, or null for its root
     * @param runAsUser    the non-root user of the script (learn's own, 185, so that learn can read and delete its output)
     * @param fsGroup      the group of the pod's volumes and files
     * @param owner        the learn pod that owns the Job (Kubernetes deletes the Job with it), or null
     */
    public record Spec(String namespace, String image, List<String> command, ScriptRun run, String workRoot, String claimName,
        String claimSubPath, String serviceAccount, String cpuRequest, String memory, long deadlineSeconds, long keepFinishedSeconds,
        Map<String, String> env, long runAsUser, long fsGroup, OwnerReference owner) {
    }

    /** The owner reference to the learn pod (not a controller: the Job controller owns the Job's pods, learn only its lifetime). */
    public static OwnerReference podOwner(String podName, String podUid) {
        return new OwnerReferenceBuilder().withApiVersion("v1").withKind("Pod").withName(podName).withUid(podUid).withController(false)
            .withBlockOwnerDeletion(false).build();
    }

    /** The Job's name: {@code learn-script-} and the start of the model id (deterministic, so a replay finds it). */
    public static String name(String modelId) {
        String id = modelId.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]", "");
        return "learn-script-" + id.substring(0, Math.min(id.length(), 20));
    }

    /** The labels of the Job and its pod. */
    public static Map<String, String> labels(ScriptRun run) {
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put("app.kubernetes.io/name", COMPONENT);
        labels.put("app.kubernetes.io/component", COMPONENT);
        labels.put("app.kubernetes.io/part-of", "tf-fashion");
        labels.put("app.kubernetes.io/managed-by", "tf-fashion-learn");
        labels.put(VALUE_ID_LABEL, labelValue(run.valueId()));
        labels.put(MODEL_ID_LABEL, labelValue(run.modelId()));
        return labels;
    }

    /**
     * The Job: one pod, no retries, a deadline, kept for a while after it ends; the work folder on the shared claim. The pod runs
     * as a non-root user with the RuntimeDefault seccomp profile, no service-account token and no capabilities; HOME is an
     * emptyDir at /tmp (Keras writes its cache there), since the user has no home in the image.
     */
    public static Job job(Spec spec) {
        ScriptRun run = spec.run();
        Map<String, String> labels = labels(run);
        List<String> args = List.of(run.script().toString(), run.outputDir().toString());
        List<EnvVar> env = new ArrayList<>();
        env.add(new EnvVar("PYTHONUNBUFFERED", "1", null));
        env.add(new EnvVar("HOME", "/tmp", null));
        spec.env().forEach((name, value) -> env.add(new EnvVar(name, value, null)));
        return new JobBuilder()
            .withNewMetadata()
                .withName(name(run.modelId()))
                .withNamespace(spec.namespace())
                .withLabels(labels)
                .addToAnnotations("tf-fashion.dev/script-value-id", run.valueId())
                .withOwnerReferences(spec.owner() == null ? List.of() : List.of(spec.owner()))
            .endMetadata()
            .withNewSpec()
                .withBackoffLimit(0)
                .withActiveDeadlineSeconds(spec.deadlineSeconds())
                .withTtlSecondsAfterFinished((int) Math.min(Integer.MAX_VALUE, spec.keepFinishedSeconds()))
                .withNewTemplate()
                    .withNewMetadata().withLabels(labels).endMetadata()
                    .withNewSpec()
                        .withRestartPolicy("Never")
                        .withServiceAccountName(spec.serviceAccount())
                        .withAutomountServiceAccountToken(false)
                        .withNewSecurityContext()
                            .withRunAsNonRoot(true)
                            .withRunAsUser(spec.runAsUser())
                            .withRunAsGroup(spec.fsGroup())
                            .withFsGroup(spec.fsGroup())
                            .withNewSeccompProfile().withType("RuntimeDefault").endSeccompProfile()
                        .endSecurityContext()
                        .addNewContainer()
                            .withName(CONTAINER)
                            .withImage(spec.image())
                            .withCommand(spec.command())
                            .withArgs(args)
                            .withWorkingDir(run.workDir().toString())
                            .withEnv(env)
                            .withNewResources()
                                .addToRequests("cpu", new Quantity(spec.cpuRequest()))
                                .addToRequests("memory", new Quantity(spec.memory()))
                                .addToLimits("memory", new Quantity(spec.memory()))
                            .endResources()
                            .withNewSecurityContext()
                                .withAllowPrivilegeEscalation(false)
                                .withRunAsNonRoot(true)
                                .withNewCapabilities().addToDrop("ALL").endCapabilities()
                            .endSecurityContext()
                            .addNewVolumeMount()
                                .withName("work")
                                .withMountPath(spec.workRoot())
                                .withSubPath(spec.claimSubPath())
                            .endVolumeMount()
                            .addNewVolumeMount().withName("tmp").withMountPath("/tmp").endVolumeMount()
                        .endContainer()
                        .addNewVolume()
                            .withName("work")
                            .withNewPersistentVolumeClaim().withClaimName(spec.claimName()).endPersistentVolumeClaim()
                        .endVolume()
                        .addNewVolume().withName("tmp").withNewEmptyDir().endEmptyDir().endVolume()
                    .endSpec()
                .endTemplate()
            .endSpec()
            .build();
    }

    private static String labelValue(String value) {
        String cleaned = value.replaceAll("[^A-Za-z0-9_.-]", "");
        cleaned = cleaned.length() > 63 ? cleaned.substring(0, 63) : cleaned;
        return cleaned.replaceAll("^[^A-Za-z0-9]+|[^A-Za-z0-9]+$", "");
    }
}
