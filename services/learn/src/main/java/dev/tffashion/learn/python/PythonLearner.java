package dev.tffashion.learn.python;

import dev.tffashion.learn.ExportedModel;
import dev.tffashion.learn.LearnException;
import dev.tffashion.learn.ProgressListener;
import dev.tffashion.learn.WorkFolders;
import dev.tffashion.learn.config.LearnConfig;
import dev.tffashion.learn.training.DatasetProvider;
import dev.tffashion.learn.training.ModelExporter;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.client.KubernetesClient;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.jboss.logging.Logger;

/**
 * Learning from a Python script, as Koalja ran {@code learn_script.py}: {@code <python> <script> <output-dir>} on the
 * configured executor (a process here, or a Kubernetes Job); then the SavedModel it exported is evaluated and described
 * with TensorFlow Java like a recipe's model. Off unless {@code learn.python.command} is set.
 */
@ApplicationScoped
public class PythonLearner {

    /** The file name the script gets in its work folder. */
    public static final String SCRIPT = "learn_script.py";

    private static final Logger LOG = Logger.getLogger(PythonLearner.class);

    private final LearnConfig config;
    private final DatasetProvider datasets;
    private final Instance<KubernetesClient> kubernetes;
    private volatile PythonExecutor executor;

    public PythonLearner(LearnConfig config, DatasetProvider datasets, Instance<KubernetesClient> kubernetes) {
        this.config = config;
        this.datasets = datasets;
        this.kubernetes = kubernetes;
    }

    /** Whether Python scripts are accepted here. */
    public boolean enabled() {
        return config.python().command().filter(c -> !c.isBlank()).isPresent();
    }

    /**
     * Runs {@code script} and describes the model it exported.
     *
     * @param work the run's work folder (shared with the Job in Kubernetes mode): emptied here for a new run, kept as it is when
     *             the executor resumes an earlier run of the same model (a replay whose Job runs or has finished)
     * @throws LearnException when Python is off, the script fails, or its model does not fit tf-fashion
     */
    public ExportedModel learn(byte[] script, String valueId, String modelId, Path work, ProgressListener listener) throws IOException {
        if (!enabled()) {
            throw new LearnException("python-off", "Python training scripts are off on this learn service: set learn.python.command "
                + "(env LEARN_PYTHON_COMMAND) to a Python with TensorFlow 2, e.g. python3, or drop a YAML recipe such as "
                + "samples/recipes/mlp.yaml");
        }
        PythonExecutor runner = executor();
        Path output = work.resolve("output");
        ScriptRun run = new ScriptRun(valueId, modelId, work, work.resolve(SCRIPT), output);
        boolean resumed = runner.resumable(run);
        if (resumed && !Files.isRegularFile(run.script())) {
            runner.discard(run);
            resumed = false;
        }
        if (resumed) {
            LOG.infof("value %s: resuming the earlier run of model %s in %s (its work folder is kept)", valueId, modelId, work);
        } else {
            WorkFolders.fresh(work);
            Files.write(run.script(), script);
            Files.createDirectories(output);
        }
        ScriptOutcome outcome = runner.run(run, listener);
        Path savedModel = savedModel(output).orElseThrow(() -> new LearnException("script", "the script finished but exported no "
            + "SavedModel: expected <output-dir>/1/saved_model.pb, e.g. tf.saved_model.save(model, os.path.join(sys.argv[1], '1'), "
            + "signatures={'serving_default': ...}) as in samples/learn_script.py"));
        // the script read the files itself; the test split evaluates what it exported
        try (DatasetProvider.Lease lease = datasets.lease()) {
            return ModelExporter.describeForeign(savedModel, lease.data(), outcome.seconds(), outcome.history(), runner.name());
        }
    }

    /** The SavedModel a script exported: {@code <output>} itself, else its highest numbered sub-folder, else its only sub-folder. */
    static Optional<Path> savedModel(Path output) throws IOException {
        if (isSavedModel(output)) {
            return Optional.of(output);
        }
        List<Path> folders;
        try (Stream<Path> children = Files.list(output)) {
            folders = children.filter(Files::isDirectory).filter(PythonLearner::isSavedModel).toList();
        }
        Optional<Path> numbered = folders.stream().filter(p -> p.getFileName().toString().matches("\\d{1,18}"))
            .max(Comparator.comparingLong(p -> Long.parseLong(p.getFileName().toString())));
        if (numbered.isPresent()) {
            return numbered;
        }
        return folders.size() == 1 ? Optional.of(folders.get(0)) : Optional.empty();
    }

    private static boolean isSavedModel(Path dir) {
        return Files.isRegularFile(dir.resolve("saved_model.pb"));
    }

    private PythonExecutor executor() {
        if (executor == null) {
            synchronized (this) {
                if (executor == null) {
                    executor = createExecutor();
                }
            }
        }
        return executor;
    }

    private PythonExecutor createExecutor() {
        LearnConfig.Python python = config.python();
        String command = python.command().orElseThrow();
        if (python.executor() == LearnConfig.Python.Executor.PROCESS) {
            Map<String, String> env = new LinkedHashMap<>();
            // the script reads the files itself: only where they are is needed here
            env.put("FASHION_MNIST_DIR", datasets.locate().folder().toString());
            env.putAll(python.env());
            return new ProcessPythonExecutor(command, python.timeout(), env);
        }
        LearnConfig.Kubernetes k8s = python.kubernetes();
        Map<String, String> env = new LinkedHashMap<>();
        k8s.datasetFolder().ifPresent(folder -> env.put("FASHION_MNIST_DIR", folder));
        env.putAll(python.env());
        List<String> commandWords = List.of(command.trim().split("\\s+"));
        String workRoot = WorkFolders.root(config).toString();
        OwnerReference owner = k8s.ownerPodName().isPresent() && k8s.ownerPodUid().isPresent()
            ? LearnJobs.podOwner(k8s.ownerPodName().get(), k8s.ownerPodUid().get()) : null;
        return new KubernetesJobExecutor(kubernetes.get(), run -> new LearnJobs.Spec(k8s.namespace().orElse(null), k8s.image(),
            commandWords, run, workRoot, k8s.claimName(), k8s.claimSubPath().orElse(null), k8s.serviceAccount().orElse(null),
            k8s.cpuRequest(), k8s.memory(), python.timeout().toSeconds(), k8s.keepFinished().toSeconds(), env, k8s.runAsUser(),
            k8s.fsGroup(), owner), python.timeout(), k8s.deadlineGrace());
    }
}
