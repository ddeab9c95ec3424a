package dev.tffashion.learn;

import dev.tffashion.fashionmnist.DatasetUnavailableException;
import dev.tffashion.learn.config.LearnConfig;
import dev.tffashion.learn.messaging.ModelPublisher;
import dev.tffashion.learn.python.PythonLearner;
import dev.tffashion.learn.training.RecipeLearner;
import dev.tffashion.pipeline.AnnotatedValue;
import dev.tffashion.pipeline.ValueIds;
import dev.tffashion.pipeline.graph.PipelineGraph;
import dev.tffashion.pipeline.quarkus.StatusReporter;
import dev.tffashion.pipeline.status.TaskState;
import dev.tffashion.pipeline.store.ContentRef;
import dev.tffashion.pipeline.store.ContentStore;
import dev.tffashion.pipeline.store.ContentStoreException;
import dev.tffashion.pipeline.store.Contents;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.locks.ReentrantLock;
import org.jboss.logging.Logger;

/**
 * The learn task: turns a dropped recipe or Python script ({@code scriptInput.droppedFile}) into a {@code learn.model}
 * value: trains, stores the SavedModel as one tar in the content store, publishes the value (id derived from the
 * script's id, lineage to it) and reports progress on the status topic. One training at a time.
 */
@ApplicationScoped
public class Learner {

    /** The task's name in the pipeline graph. */
    public static final String TASK = "learn";
    /** The task's input. */
    public static final String INPUT = "script";
    /** The task's output. */
    public static final String OUTPUT = "model";

    private static final Logger LOG = Logger.getLogger(Learner.class);

    private final RecipeLearner recipes;
    private final PythonLearner python;
    private final ContentStore store;
    private final PipelineGraph graph;
    private final StatusReporter status;
    private final ModelPublisher publisher;
    private final LearnConfig config;
    private final MeterRegistry registry;
    private final ReentrantLock oneAtATime = new ReentrantLock();

    public Learner(RecipeLearner recipes, PythonLearner python, ContentStore store, PipelineGraph graph, StatusReporter status,
        ModelPublisher publisher, LearnConfig config, MeterRegistry registry) {
        this.recipes = recipes;
        this.python = python;
        this.store = store;
        this.graph = graph;
        this.status = status;
        this.publisher = publisher;
        this.config = config;
        this.registry = registry;
    }

    /** Reports that the task waits for work. */
    public void idle() {
        status.report(TASK, TaskState.IDLE, "waiting for a recipe or a Python script on " + graph.inputTopic(TASK, INPUT)
            + (python.enabled() ? "" : " (Python scripts are off: learn.python.command is not set)"));
    }

    /**
     * Learns from a dropped script and publishes the model value; returns it once Kafka acknowledged it.
     *
     * @throws LearnException with the reason when no model comes of it (the caller dead-letters the script)
     */
    public AnnotatedValue learn(AnnotatedValue dropped) {
        oneAtATime.lock();
        try {
            return learnAlone(dropped);
        } finally {
            oneAtATime.unlock();
        }
    }

    /** Reports a record on the script topic that is not an annotated value at all. */
    public void refusedRecord(String reason) {
        status.increment(TASK, "failed");
        status.report(TASK, TaskState.FAILED, "a record on " + graph.inputTopic(TASK, INPUT) + " is not a script value: " + reason,
            null, Map.of());
    }

    private AnnotatedValue learnAlone(AnnotatedValue dropped) {
        status.increment(TASK, "consumed");
        String modelId = ValueIds.derived(TASK, OUTPUT, dropped.id());
        String fileName = dropped.annotation("fileName") != null ? dropped.annotation("fileName") : "(unnamed)";
        Run run = new Run(dropped.id(), modelId, fileName);
        Path work = WorkFolders.root(config).resolve(modelId);
        long started = System.nanoTime();
        boolean keepWork = false;
        try {
            byte[] content = read(dropped);
            ScriptKind kind = ScriptKind.of(dropped.mediaType(), dropped.annotation("fileName"), content);
            ExportedModel exported;
            String trainer;
            if (kind == ScriptKind.RECIPE) {
                Recipe recipe = Recipe.parse(content);
                run.model = recipe.model().id();
                run.report(TaskState.ACTIVE, "training " + run.model + " from " + fileName, 0.0);
                // In-process training: a folder of this process's own, since replicas on one machine share the work root and
                // a recipe redelivered after a rebalance can be trained by two of them at once (same model id)
                work = WorkFolders.ownFresh(config, modelId);
                exported = recipes.learn(recipe, work.resolve("model"), run::progress);
                trainer = "tensorflow-java";
            } else {
                run.model = "python";
                run.report(TaskState.ACTIVE, "running the Python script " + fileName, null);
                exported = python.learn(content, dropped.id(), modelId, work, run::progress);
                trainer = pythonTrainer();
            }
            run.report(TaskState.ACTIVE, "storing the " + run.model + " model trained from " + fileName, 1.0);
            ContentRef archive = store(exported);
            AnnotatedValue model = AnnotatedValue.builder()
                .id(modelId)
                .pipeline(graph.name())
                .task(TASK)
                .output(OUTPUT)
                .type(graph.output(TASK, OUTPUT).typeName())
                .content(archive)
                .sourceInput(INPUT, dropped.id())
                .annotations(ModelAnnotations.of(exported, modelId, dropped.id(), fileName, kind, trainer))
                .build();
            publisher.publish(model, config.publishTimeout());
            status.increment(TASK, "produced");
            registry.timer("tffashion.learn.duration", "model", run.model, "outcome", "produced")
                .record(Duration.ofNanos(System.nanoTime() - started));
            Map<String, Object> details = run.details();
            details.put("modelValueId", model.id());
            details.put("testAccuracy", exported.evaluation().testAccuracy());
            details.put("trainingSeconds", exported.evaluation().trainingSeconds());
            status.report(TASK, TaskState.SUCCEEDED, String.format(Locale.ROOT, "model %s (%s from %s): test accuracy %.2f %%, trained in "
                + "%.0f s", model.id(), run.model, fileName, exported.evaluation().testAccuracy() * 100,
                exported.evaluation().trainingSeconds()), 1.0, details);
            LOG.infof("value %s: published model %s (%s, test accuracy %.4f, %d bytes)", dropped.id(), model.id(), run.model,
                exported.evaluation().testAccuracy(), archive.size());
            return model;
        } catch (LearnException e) {
            throw failed(run, e, started);
        } catch (RecipeException e) {
            throw failed(run, new LearnException("recipe", fileName + ": " + e.getMessage(), e), started);
        } catch (DatasetUnavailableException e) {
            throw failed(run, new LearnException("dataset", e.getMessage(), e), started);
        } catch (UnsupportedCpuException e) {
            throw failed(run, new LearnException("cpu", e.getMessage(), e), started);
        } catch (CancellationException e) {
            keepWork = true;
            run.report(TaskState.FAILED, "training from " + fileName + " was cancelled (the service is stopping); it is retried on restart",
                null);
            throw e;
        } catch (IOException | RuntimeException e) {
            throw failed(run, new LearnException("error", "learning from " + fileName + " failed: " + e, e), started);
        } finally {
            try {
                if (!keepWork) {
                    WorkFolders.delete(work);
                }
            } catch (RuntimeException e) {
                LOG.warnf("could not clean the work folder %s: %s", work, e.getMessage());
            }
        }
    }

    private String pythonTrainer() {
        return config.python().executor() == LearnConfig.Python.Executor.KUBERNETES ? "python-kubernetes" : "python-process";
    }

    private byte[] read(AnnotatedValue dropped) {
        try {
            return Contents.read(store, dropped);
        } catch (ContentStoreException e) {
            throw new LearnException("store", "the content of " + dropped.id() + " cannot be read: " + e.getMessage(), e);
        }
    }

    private ContentRef store(ExportedModel exported) {
        try {
            return Contents.storeDirectory(store, exported.directory());
        } catch (ContentStoreException e) {
            throw new LearnException("store", "the model cannot be stored in " + store.location() + ": " + e.getMessage(), e);
        }
    }

    private LearnException failed(Run run, LearnException e, long started) {
        status.increment(TASK, "failed");
        registry.timer("tffashion.learn.duration", "model", run.model, "outcome", "failed")
            .record(Duration.ofNanos(System.nanoTime() - started));
        Map<String, Object> details = run.details();
        details.put("failure", e.kind());
        status.report(TASK, TaskState.FAILED, e.getMessage(), null, details);
        LOG.warnf("value %s (%s): no model: %s", run.valueId, run.fileName, e.getMessage());
        return e;
    }

    /** One run's identity and progress, for status events. */
    private final class Run {
        private final String valueId;
        private final String modelId;
        private final String fileName;
        private final List<EpochSummary> history = new ArrayList<>();
        private String model = "unknown";
        private TrainingProgress last;

        Run(String valueId, String modelId, String fileName) {
            this.valueId = valueId;
            this.modelId = modelId;
            this.fileName = fileName;
        }

        void progress(TrainingProgress progress) {
            last = progress;
            if (progress.epochEnd()) {
                history.add(new EpochSummary(progress.epoch(), progress.loss(), progress.accuracy(),
                    progress.elapsed().toMillis() / 1000.0));
            }
            report(TaskState.ACTIVE, String.format(Locale.ROOT, "training %s from %s: epoch %d of %d", model, fileName, progress.epoch(),
                progress.epochs()), progress.fraction());
        }

        void report(TaskState state, String reason, Double fraction) {
            status.report(TASK, state, reason, fraction, details());
        }

        Map<String, Object> details() {
            Map<String, Object> details = new LinkedHashMap<>();
            details.put("valueId", valueId);
            details.put("modelId", modelId);
            details.put("fileName", fileName);
            details.put("model", model);
            if (last != null) {
                details.put("epoch", last.epoch());
                details.put("epochs", last.epochs());
                details.put("step", last.step());
                details.put("steps", last.totalSteps());
                putFinite(details, "loss", last.loss());
                putFinite(details, "accuracy", last.accuracy());
                details.put("elapsedSeconds", last.elapsed().toSeconds());
                details.put("etaSeconds", last.eta().toSeconds());
            }
            details.put("history", ModelAnnotations.history(history));
            return details;
        }

        private void putFinite(Map<String, Object> details, String key, double value) {
            if (Double.isFinite(value)) {
                details.put(key, value);
            }
        }
    }
}
