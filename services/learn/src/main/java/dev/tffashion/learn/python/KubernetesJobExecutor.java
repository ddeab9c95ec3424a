package dev.tffashion.learn.python;

import dev.tffashion.learn.LearnException;
import dev.tffashion.learn.ProgressListener;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import io.fabric8.kubernetes.api.model.batch.v1.JobStatus;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.function.Function;
import org.jboss.logging.Logger;

/**
 * Runs a Python training script as a Kubernetes Job over the volume shared with this service: creates the Job unless it
 * exists (a replay after a crash finds the Job of the same model id and waits for it), polls it until it succeeds, fails
 * or passes its deadline, and reads its log for progress and for error messages.
 */
public final class KubernetesJobExecutor implements PythonExecutor {

    private static final Logger LOG = Logger.getLogger(KubernetesJobExecutor.class);

    private final KubernetesClient client;
    private final Function<ScriptRun, LearnJobs.Spec> specs;
    private final Duration pollInterval;
    private final Duration timeout;

    /**
     * @param specs the Job spec of a run (image, claim, resources, ...)
     */
    public KubernetesJobExecutor(KubernetesClient client, Function<ScriptRun, LearnJobs.Spec> specs, Duration pollInterval,
        Duration timeout) {
        this.client = client;
        this.specs = specs;
        this.pollInterval = pollInterval;
        this.timeout = timeout;
    }

    @Override
    public String name() {
        return "python-kubernetes";
    }

    @Override
    public ScriptOutcome run(ScriptRun run, ProgressListener listener) {
        LearnJobs.Spec spec = specs.apply(run);
        String namespace = spec.namespace() != null ? spec.namespace() : client.getNamespace();
        Job wanted = LearnJobs.job(spec);
        String name = wanted.getMetadata().getName();
        wanted.getMetadata().setNamespace(namespace);
        long started = System.nanoTime();
        ensureJob(namespace, wanted);
        KerasLog log = new KerasLog(listener);
        int linesSeen = 0;
        long deadline = started + timeout.plus(pollInterval.multipliedBy(3)).toNanos();
        while (true) {
            Job job = client.batch().v1().jobs().inNamespace(namespace).withName(name).get();
            if (job == null) {
                throw new LearnException("script", "the Job " + namespace + "/" + name + " disappeared before it finished");
            }
            linesSeen = readLog(namespace, name, log, linesSeen);
            JobStatus status = job.getStatus();
            if (status != null && status.getSucceeded() != null && status.getSucceeded() > 0) {
                double seconds = (System.nanoTime() - started) / 1e9;
                LOG.infof("value %s: Job %s/%s succeeded after %.1f s", run.valueId(), namespace, name, seconds);
                return new ScriptOutcome(seconds, log.history());
            }
            String failure = failure(status);
            if (failure != null) {
                throw new LearnException("script", "the Job " + namespace + "/" + name + " failed (" + failure + ")"
                    + (log.tail().isEmpty() ? "; its log is gone or empty" : "; last lines:\n" + log.tail()));
            }
            if (System.nanoTime() > deadline) {
                throw new LearnException("script", "the Job " + namespace + "/" + name + " did not finish within learn.python.timeout ("
                    + timeout + ")");
            }
            try {
                Thread.sleep(pollInterval.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CancellationException("waiting for the Job " + name + " was interrupted");
            }
        }
    }

    private void ensureJob(String namespace, Job wanted) {
        String name = wanted.getMetadata().getName();
        var jobs = client.batch().v1().jobs().inNamespace(namespace);
        Job existing = jobs.withName(name).get();
        if (existing != null) {
            LOG.infof("Job %s/%s exists already (a replay): waiting for it instead of starting another", namespace, name);
            return;
        }
        try {
            jobs.resource(wanted).create();
            LOG.infof("created Job %s/%s (image %s)", namespace, name,
                wanted.getSpec().getTemplate().getSpec().getContainers().get(0).getImage());
        } catch (KubernetesClientException e) {
            if (e.getCode() == 409) {
                LOG.infof("Job %s/%s was created concurrently: waiting for it", namespace, name);
                return;
            }
            throw new LearnException("script", "cannot create the Job " + namespace + "/" + name + ": " + e.getMessage()
                + " (may the learn service account create Jobs in " + namespace + "?)", e);
        }
    }

    /** Feeds the log lines not seen yet to the parser; the log may be unavailable (pod not started, gone): then nothing. */
    private int readLog(String namespace, String name, KerasLog log, int linesSeen) {
        String text;
        try {
            text = client.batch().v1().jobs().inNamespace(namespace).withName(name).getLog();
        } catch (KubernetesClientException | IllegalStateException e) {
            LOG.debugf("log of Job %s/%s not readable yet: %s", namespace, name, e.getMessage());
            return linesSeen;
        }
        if (text == null || text.isEmpty()) {
            return linesSeen;
        }
        List<String> lines = text.lines().toList();
        for (int i = linesSeen; i < lines.size(); i++) {
            log.accept(lines.get(i));
        }
        return Math.max(linesSeen, lines.size());
    }

    private static String failure(JobStatus status) {
        if (status == null) {
            return null;
        }
        if (status.getConditions() != null) {
            for (JobCondition condition : status.getConditions()) {
                if ("Failed".equals(condition.getType()) && "True".equals(condition.getStatus())) {
                    return condition.getReason() + (condition.getMessage() == null ? "" : ": " + condition.getMessage());
                }
            }
        }
        if (status.getFailed() != null && status.getFailed() > 0) {
            return status.getFailed() + " failed pod(s)";
        }
        return null;
    }
}
