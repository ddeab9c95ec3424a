package dev.tffashion.learn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tffashion.fashionmnist.DatasetLocator;
import dev.tffashion.fashionmnist.FashionMnist;
import dev.tffashion.kafkalocal.testing.KafkaTestResource;
import dev.tffashion.learn.config.LearnConfig;
import dev.tffashion.learn.python.LearnJobs;
import dev.tffashion.learn.python.PythonLearner;
import dev.tffashion.learn.training.InferenceModel;
import dev.tffashion.learn.training.Trainer;
import dev.tffashion.learn.training.TrainingRun;
import dev.tffashion.pipeline.AnnotatedValue;
import dev.tffashion.pipeline.Json;
import dev.tffashion.pipeline.ValueIds;
import dev.tffashion.pipeline.quarkus.StatusReporter;
import dev.tffashion.pipeline.status.StatusEvent;
import dev.tffashion.pipeline.store.ContentRef;
import dev.tffashion.pipeline.store.ContentStore;
import dev.tffashion.pipeline.store.Contents;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.kubernetes.client.KubernetesServer;
import io.quarkus.test.kubernetes.client.KubernetesTestServer;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Replays through {@link Learner} with the Kubernetes Job executor, against fabric8's mock API server (CRUD mode): the test plays
 * the Job and its pod. A replayed script whose Job already succeeded (learn stopped before publishing) keeps its work folder and
 * publishes the model the Job exported; a replay whose Job still runs keeps its folder while it runs, streams the pod's log for
 * progress, and publishes once the Job succeeds.
 */
@QuarkusTest
@TestProfile(PythonJobFlowTest.PythonJobs.class)
@WithTestResource(KafkaTestResource.class)
@WithKubernetesTestServer(crud = true)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PythonJobFlowTest {

    /** Python scripts on, as Kubernetes Jobs owned by a learn pod. */
    public static class PythonJobs implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("learn.python.command", "python3", "learn.python.executor", "kubernetes", "learn.python.timeout", "2m",
                "learn.python.kubernetes.owner-pod-name", "learn-0", "learn.python.kubernetes.owner-pod-uid", "uid-of-learn-0");
        }
    }

    private static final Duration WAIT = Duration.ofSeconds(60);

    @KubernetesTestServer
    KubernetesServer server;

    @Inject
    KubernetesClient client;

    @Inject
    Learner learner;

    @Inject
    ContentStore store;

    @Inject
    LearnConfig config;

    @Inject
    StatusReporter status;

    private Path temp;
    private Path prepared;

    @BeforeAll
    void prepare() throws Exception {
        temp = Files.createTempDirectory(Files.createDirectories(Path.of("target")), "python-jobs-").toAbsolutePath();
        FashionMnist data = FashionMnist.load(DatasetLocator.builder().download(false).build());
        TrainingRun run = new Trainer(p -> { }, Duration.ofSeconds(5))
            .train(new Recipe(ModelKind.MLP, 1, 100, 0.002, 1, OptionalInt.of(1000)), data);
        prepared = temp.resolve("prepared");
        try (InferenceModel model = InferenceModel.of(run.parameters())) {
            model.export(prepared);
        }
    }

    @AfterAll
    void close() {
        if (temp != null) {
            WorkFolders.delete(temp);
        }
    }

    @Test
    void aReplayWhoseJobSucceededPublishesWhatTheJobExported() throws Exception {
        AnnotatedValue drop = script("replayed_after_success.py");
        String modelId = ValueIds.derived(Learner.TASK, Learner.OUTPUT, drop.id());
        Path work = workFolderOfAnEarlierRun(modelId);
        copy(prepared, work.resolve("output/1"));
        Job job = createJob(modelId, drop.id());
        job.setStatus(new JobStatusBuilder().withSucceeded(1).build());
        client.batch().v1().jobs().resource(job).updateStatus();

        AnnotatedValue model = learner.learn(drop);

        assertThat(model.id()).isEqualTo(modelId);
        assertThat(model.annotations()).containsEntry("trainer", "python-kubernetes").containsEntry("model", "python");
        assertThat(savedModelIn(model)).exists();
        assertThat(client.batch().v1().jobs().withLabel(LearnJobs.MODEL_ID_LABEL, modelId).list().getItems())
            .as("the Job of the earlier run, no second one").hasSize(1);
        assertThat(work).as("removed once the model is published").doesNotExist();
    }

    @Test
    void aReplayWhoseJobStillRunsKeepsItsFolderFollowsItsLogAndPublishesWhenItSucceeds() throws Exception {
        AnnotatedValue drop = script("replayed_while_running.py");
        String modelId = ValueIds.derived(Learner.TASK, Learner.OUTPUT, drop.id());
        Path work = workFolderOfAnEarlierRun(modelId);
        Path partial = Files.writeString(work.resolve("output/checkpoint.txt"), "written by the running Job");
        Job job = createJob(modelId, drop.id());
        String pod = LearnJobs.name(modelId) + "-x7k2p";
        client.pods().resource(new PodBuilder()
            .withNewMetadata().withName(pod).addToLabels("job-name", job.getMetadata().getName())
            .addNewOwnerReference().withApiVersion("batch/v1").withKind("Job").withName(job.getMetadata().getName())
            .withUid(job.getMetadata().getUid()).withController(true).endOwnerReference().endMetadata()
            .withNewStatus().withPhase("Running").addNewCondition().withType("Ready").withStatus("True").endCondition().endStatus()
            .build()).create();
        server.expect().get()
            .withPath("/api/v1/namespaces/" + client.getNamespace() + "/pods/" + pod + "/log?pretty=false&container="
                + LearnJobs.CONTAINER + "&follow=true")
            .andReturn(200, "Epoch 1/2\n10/10 - 1s - accuracy: 0.7012 - loss: 0.9100\n"
                + "Epoch 2/2\n10/10 - 1s - accuracy: 0.7711 - loss: 0.7000\n")
            .always();

        CompletableFuture<AnnotatedValue> published = CompletableFuture.supplyAsync(() -> learner.learn(drop));

        StatusEvent progress = await().atMost(WAIT).until(() -> status.last(Learner.TASK),
            e -> e != null && modelId.equals(e.details().get("modelId")) && Integer.valueOf(2).equals(e.details().get("epoch")));
        assertThat(progress.details()).containsEntry("epochs", 2);
        assertThat(partial).as("the running Job's folder is kept").exists();
        assertThat(work.resolve(PythonLearner.SCRIPT)).exists();
        assertThat(published).isNotDone();

        copy(prepared, work.resolve("output/1"));
        Job running = client.batch().v1().jobs().withName(job.getMetadata().getName()).get();
        running.setStatus(new JobStatusBuilder().withSucceeded(1).build());
        client.batch().v1().jobs().resource(running).updateStatus();

        AnnotatedValue model = published.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertThat(model.id()).isEqualTo(modelId);
        assertThat(Json.mapper().readTree(model.annotation("history")).size()).as("epochs parsed from the streamed log").isEqualTo(2);
        assertThat(savedModelIn(model)).exists();
        assertThat(work).doesNotExist();
    }

    private AnnotatedValue script(String fileName) {
        return AnnotatedValue.builder()
            .id(ValueIds.random())
            .pipeline("tf-fashion")
            .task("scriptInput")
            .output("droppedFile")
            .type("scriptFile")
            .content(Contents.store(store, "import sys\nprint('trains')\n".getBytes(StandardCharsets.UTF_8),
                ScriptKind.PYTHON_MEDIA_TYPE))
            .annotation("fileName", fileName)
            .build();
    }

    /** The work folder as an earlier run left it on the shared claim: the script and its output folder. */
    private Path workFolderOfAnEarlierRun(String modelId) throws IOException {
        Path work = Files.createDirectories(WorkFolders.root(config).resolve(modelId).resolve("output")).getParent();
        Files.writeString(work.resolve(PythonLearner.SCRIPT), "import sys\nprint('trains')\n");
        return work;
    }

    /** The Job an earlier learn created (owned by the learn pod), as the API server keeps it. */
    private Job createJob(String modelId, String valueId) {
        return client.batch().v1().jobs().resource(new JobBuilder()
            .withNewMetadata().withName(LearnJobs.name(modelId))
            .addToLabels(LearnJobs.MODEL_ID_LABEL, modelId).addToLabels(LearnJobs.VALUE_ID_LABEL, valueId).endMetadata()
            .withNewSpec().withBackoffLimit(0).withNewTemplate().withNewSpec().addNewContainer().withName(LearnJobs.CONTAINER)
            .withImage("tensorflow/tensorflow:2.18.0").endContainer().withRestartPolicy("Never").endSpec().endTemplate().endSpec()
            .build()).create();
    }

    private Path savedModelIn(AnnotatedValue model) throws IOException {
        Path unpacked = temp.resolve("unpacked-" + model.id());
        try (InputStream archive = Contents.open(store, ContentRef.of(model))) {
            Contents.extractTar(archive, unpacked);
        }
        return unpacked.resolve("saved_model.pb");
    }

    private static void copy(Path from, Path to) throws IOException {
        try (Stream<Path> paths = Files.walk(from)) {
            for (Path path : paths.toList()) {
                Path target = to.resolve(from.relativize(path).toString());
                if (Files.isDirectory(path)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(path, target, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }
}
