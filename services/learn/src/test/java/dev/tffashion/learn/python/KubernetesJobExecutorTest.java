package dev.tffashion.learn.python;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.tffashion.learn.LearnException;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobConditionBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The Job executor against fabric8's mock API server (CRUD mode); the test plays the Job's pod by setting its status. */
@EnableKubernetesMockClient(crud = true)
class KubernetesJobExecutorTest {

    private static final String NAMESPACE = "learn-test";

    static KubernetesClient client;

    private static ScriptRun run(String modelId) {
        return new ScriptRun("drop-1", modelId, Path.of("/data/work/" + modelId), Path.of("/data/work/" + modelId + "/learn_script.py"),
            Path.of("/data/work/" + modelId + "/output"));
    }

    private LearnJobs.Spec spec(ScriptRun scriptRun) {
        return new LearnJobs.Spec(NAMESPACE, "tensorflow/tensorflow:2.18.0", List.of("python3"), scriptRun, "/data/work",
            "tf-fashion-data", "work", null, "1", "4Gi", 7200, 3600, Map.of("FASHION_MNIST_DIR", "/data/fashion-mnist"), 185, 185,
            LearnJobs.podOwner("learn-7d9f-abcde", "0000-learn-pod-uid"));
    }

    private KubernetesJobExecutor executor() {
        return executor(Duration.ofMinutes(2));
    }

    private KubernetesJobExecutor executor(Duration timeout) {
        return new KubernetesJobExecutor(client, this::spec, timeout, Duration.ofMillis(500));
    }

    private Job awaitJob(String modelId) {
        return await().atMost(Duration.ofSeconds(20)).until(
            () -> client.batch().v1().jobs().inNamespace(NAMESPACE).withName(LearnJobs.name(modelId)).get(), Objects::nonNull);
    }

    @Test
    void createsAJobOverTheSharedVolumeAndWaitsForItToSucceed() throws Exception {
        String modelId = "0123456789abcdef0123456789abcdef";
        ScriptRun run = run(modelId);
        CompletableFuture<ScriptOutcome> outcome = CompletableFuture.supplyAsync(() -> executor().run(run, p -> { }));

        Job job = awaitJob(modelId);
        assertThat(job.getMetadata().getName()).isEqualTo("learn-script-0123456789abcdef0123");
        assertThat(job.getMetadata().getLabels())
            .containsEntry("app.kubernetes.io/part-of", "tf-fashion")
            .containsEntry(LearnJobs.VALUE_ID_LABEL, "drop-1")
            .containsEntry(LearnJobs.MODEL_ID_LABEL, modelId);
        assertThat(job.getSpec().getBackoffLimit()).isZero();
        assertThat(job.getSpec().getActiveDeadlineSeconds()).isEqualTo(7200L);
        assertThat(job.getSpec().getTemplate().getSpec().getRestartPolicy()).isEqualTo("Never");
        assertThat(job.getMetadata().getOwnerReferences()).singleElement().satisfies(owner -> {
            assertThat(owner.getKind()).isEqualTo("Pod");
            assertThat(owner.getName()).isEqualTo("learn-7d9f-abcde");
            assertThat(owner.getUid()).isEqualTo("0000-learn-pod-uid");
        });
        PodSecurityContext pod = job.getSpec().getTemplate().getSpec().getSecurityContext();
        assertThat(pod.getRunAsNonRoot()).isTrue();
        assertThat(pod.getRunAsUser()).isEqualTo(185L);
        assertThat(pod.getFsGroup()).isEqualTo(185L);
        assertThat(pod.getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
        assertThat(job.getSpec().getTemplate().getSpec().getAutomountServiceAccountToken()).isFalse();
        Container container = job.getSpec().getTemplate().getSpec().getContainers().get(0);
        assertThat(container.getImage()).isEqualTo("tensorflow/tensorflow:2.18.0");
        assertThat(container.getCommand()).containsExactly("python3");
        assertThat(container.getArgs()).containsExactly(run.script().toString(), run.outputDir().toString());
        assertThat(container.getWorkingDir()).isEqualTo(run.workDir().toString());
        assertThat(container.getVolumeMounts().get(0).getMountPath()).isEqualTo("/data/work");
        assertThat(container.getVolumeMounts().get(0).getSubPath()).isEqualTo("work");
        assertThat(container.getEnv()).anyMatch(e -> e.getName().equals("FASHION_MNIST_DIR") && e.getValue().equals("/data/fashion-mnist"));
        assertThat(container.getResources().getLimits()).containsKey("memory");
        assertThat(job.getSpec().getTemplate().getSpec().getVolumes().get(0).getPersistentVolumeClaim().getClaimName())
            .isEqualTo("tf-fashion-data");
        assertThat(outcome).isNotDone();

        job.setStatus(new JobStatusBuilder().withSucceeded(1).build());
        client.batch().v1().jobs().inNamespace(NAMESPACE).resource(job).updateStatus();

        assertThat(outcome.get(20, TimeUnit.SECONDS).seconds()).isPositive();
    }

    @Test
    void aFailedJobFailsTheRunWithItsReason() {
        String modelId = "1123456789abcdef0123456789abcdef";
        CompletableFuture<ScriptOutcome> outcome = CompletableFuture.supplyAsync(() -> executor().run(run(modelId), p -> { }));
        Job job = awaitJob(modelId);

        job.setStatus(new JobStatusBuilder().withFailed(1).withConditions(new JobConditionBuilder().withType("Failed")
            .withStatus("True").withReason("BackoffLimitExceeded").withMessage("Job has reached the specified backoff limit").build())
            .build());
        client.batch().v1().jobs().inNamespace(NAMESPACE).resource(job).updateStatus();

        assertThatThrownBy(() -> outcome.get(20, TimeUnit.SECONDS))
            .isInstanceOf(ExecutionException.class)
            .cause().isInstanceOf(LearnException.class)
            .hasMessageContaining("the Job learn-test/" + LearnJobs.name(modelId) + " failed (BackoffLimitExceeded: Job has reached");
        assertThat(client.batch().v1().jobs().inNamespace(NAMESPACE).withName(LearnJobs.name(modelId)).get()).as("given up: deleted")
            .isNull();
    }

    @Test
    void aJobPastItsDeadlineIsDeleted() {
        String modelId = "3123456789abcdef0123456789abcdef";

        assertThatThrownBy(() -> executor(Duration.ofSeconds(2)).run(run(modelId), p -> { }))
            .isInstanceOf(LearnException.class)
            .hasMessageContaining("did not finish within learn.python.timeout (PT2S)");
        assertThat(client.batch().v1().jobs().inNamespace(NAMESPACE).withName(LearnJobs.name(modelId)).get()).isNull();
    }

    @Test
    void aReplayWaitsForTheExistingJobInsteadOfStartingAnother() {
        ScriptRun run = run("2123456789abcdef0123456789abcdef");
        Job existing = LearnJobs.job(spec(run));
        existing.setStatus(new JobStatusBuilder().withSucceeded(1).build());
        client.batch().v1().jobs().inNamespace(NAMESPACE).resource(existing).create();
        client.batch().v1().jobs().inNamespace(NAMESPACE).resource(existing).updateStatus();

        ScriptOutcome outcome = executor().run(run, p -> { });

        assertThat(outcome.seconds()).isGreaterThanOrEqualTo(0);
        assertThat(client.batch().v1().jobs().inNamespace(NAMESPACE).withLabel(LearnJobs.MODEL_ID_LABEL, run.modelId()).list()
            .getItems()).hasSize(1);
    }
}
