package dev.tffashion.learn.python;

import dev.tffashion.learn.LearnException;
import dev.tffashion.learn.ProgressListener;
import io.fabric8.kubernetes.api.model.DeletionPropagation;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import io.fabric8.kubernetes.api.model.batch.v1.JobList;
import io.fabric8.kubernetes.api.model.batch.v1.JobStatus;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.KubernetesClientTimeoutException;
import io.fabric8.kubernetes.client.dsl.LogWatch;
import io.fabric8.kubernetes.client.dsl.NonNamespaceOperation;
import io.fabric8.kubernetes.client.dsl.ScalableResource;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.jboss.logging.Logger;

/**
 * Runs a Python training script as a Kubernetes Job over the volume shared with this service: creates the Job unless it
 * exists (a replay after learn stopped finds the Job of the same model id, and its work folder, and waits for it), watches it
 * with {@code waitUntilCondition} until it succeeds, fails or passes its deadline, and streams its pod's log with
 * {@code watchLog} for progress and error messages. A Job learn gives up on (failed, past its deadline) is deleted with its
 * pod; a Job that succeeded is kept for {@code keep-finished} (its log), and one that is still running when learn stops is
 * left to run: the replay resumes it.
 */
public final class KubernetesJobExecutor implements PythonExecutor {

    /** Label the Job controller puts on the Job's pods. */
    static final String JOB_NAME_LABEL = "job-name";

    private static final Logger LOG = Logger.getLogger(KubernetesJobExecutor.class);
    private static final Duration LOG_DRAIN = Duration.ofSeconds(10);
    private static final Set<String> LOGGABLE_PHASES = Set.of("Running", "Succeeded", "Failed");

    private final KubernetesClient client;
    private final Function<ScriptRun, LearnJobs.Spec> specs;
    private final Duration timeout;
    private final Duration grace;

    /**
     * @param specs   the Job spec of a run (image, claim, resources, ...)
     * @param timeout the Job's deadline ({@code learn.python.timeout})
     * @param grace   how long past the deadline to wait for Kubernetes to end the Job before learn deletes it
     */
    public KubernetesJobExecutor(KubernetesClient client, Function<ScriptRun, LearnJobs.Spec> specs, Duration timeout, Duration grace) {
        this.client = client;
        this.specs = specs;
        this.timeout = timeout;
        this.grace = grace;
    }

    @Override
    public String name() {
        return "python-kubernetes";
    }

    @Override
    public boolean resumable(ScriptRun run) {
        Target target = target(run);
        Job existing = target.jobs().withName(target.name()).get();
        if (existing == null) {
            return false;
        }
        if (existing.getMetadata().getDeletionTimestamp() != null) {
            LOG.infof("value %s: the Job %s/%s is being deleted: waiting until it is gone to start another", run.valueId(),
                target.namespace(), target.name());
            awaitGone(target);
            return false;
        }
        return true;
    }

    @Override
    public void discard(ScriptRun run) {
        Target target = target(run);
        LOG.infof("value %s: the Job %s/%s of an earlier run has lost its work folder: deleting it to run the script again",
            run.valueId(), target.namespace(), target.name());
        delete(target);
        awaitGone(target);
    }

    @Override
    public ScriptOutcome run(ScriptRun run, ProgressListener listener) {
        Target target = target(run);
        long started = System.nanoTime();
        Job job = ensureJob(target, run);
        KerasLog log = new KerasLog(listener);
        Job finished;
        try (LogFollower follower = new LogFollower(target, job, log)) {
            finished = awaitEnd(target, run);
            follower.drain(LOG_DRAIN);
        }
        if (finished == null) {
            throw new LearnException("script", "the Job " + target + " disappeared before it finished (deleted by hand?)");
        }
        if (succeeded(finished.getStatus())) {
            double seconds = (System.nanoTime() - started) / 1e9;
            LOG.infof("value %s: Job %s succeeded after %.1f s", run.valueId(), target, seconds);
            return new ScriptOutcome(seconds, log.history());
        }
        delete(target);
        throw new LearnException("script", "the Job " + target + " failed (" + failure(finished.getStatus()) + ")"
            + (log.tail().isEmpty() ? "; its log is gone or empty" : "; last lines:\n" + log.tail()));
    }

    private Job awaitEnd(Target target, ScriptRun run) {
        Duration limit = timeout.plus(grace);
        try {
            return target.jobs().withName(target.name())
                .waitUntilCondition(j -> j == null || succeeded(j.getStatus()) || failure(j.getStatus()) != null, limit.toMillis(),
                    TimeUnit.MILLISECONDS);
        } catch (KubernetesClientTimeoutException e) {
            delete(target);
            throw new LearnException("script", "the Job " + target + " did not finish within learn.python.timeout (" + timeout
                + ") and " + grace + " of grace: deleted it", e);
        } catch (KubernetesClientException e) {
            if (Thread.currentThread().isInterrupted() || e.getCause() instanceof InterruptedException) {
                Thread.currentThread().interrupt();
                LOG.infof("value %s: stopped waiting for the Job %s; it keeps running and a replay resumes it", run.valueId(), target);
                throw new CancellationException("waiting for the Job " + target + " was interrupted");
            }
            delete(target);
            throw new LearnException("script", "lost track of the Job " + target + ": " + e.getMessage()
                + " (may the learn service account watch Jobs in " + target.namespace() + "?); deleted it", e);
        }
    }

    private Target target(ScriptRun run) {
        LearnJobs.Spec spec = specs.apply(run);
        String namespace = spec.namespace() != null ? spec.namespace() : client.getNamespace();
        Job wanted = LearnJobs.job(spec);
        wanted.getMetadata().setNamespace(namespace);
        return new Target(namespace, wanted.getMetadata().getName(), wanted, client.batch().v1().jobs().inNamespace(namespace));
    }

    private Job ensureJob(Target target, ScriptRun run) {
        Job existing = target.jobs().withName(target.name()).get();
        if (existing != null) {
            LOG.infof("value %s: the Job %s exists already (a replay): waiting for it instead of starting another", run.valueId(),
                target);
            return existing;
        }
        try {
            Job created = target.jobs().resource(target.wanted()).create();
            LOG.infof("value %s: created the Job %s (image %s)", run.valueId(), target,
                target.wanted().getSpec().getTemplate().getSpec().getContainers().get(0).getImage());
            return created;
        } catch (KubernetesClientException e) {
            if (e.getCode() == 409) {
                LOG.infof("value %s: the Job %s was created concurrently: waiting for it", run.valueId(), target);
                return target.jobs().withName(target.name()).get();
            }
            throw new LearnException("script", "cannot create the Job " + target + ": " + e.getMessage()
                + " (may the learn service account create Jobs in " + target.namespace() + "?)", e);
        }
    }

    /** Deletes the Job and, in the background, its pod; a Job already gone is fine. */
    private void delete(Target target) {
        try {
            target.jobs().withName(target.name()).withPropagationPolicy(DeletionPropagation.BACKGROUND).delete();
            LOG.infof("deleted the Job %s", target);
        } catch (KubernetesClientException e) {
            LOG.warnf("could not delete the Job %s: %s (it goes after its TTL or with the learn pod)", target, e.getMessage());
        }
    }

    private void awaitGone(Target target) {
        try {
            target.jobs().withName(target.name()).waitUntilCondition(Objects::isNull, grace.toMillis(), TimeUnit.MILLISECONDS);
        } catch (KubernetesClientTimeoutException e) {
            throw new LearnException("script", "the Job " + target + " of an earlier run is still being deleted after " + grace
                + "; it is retried when the script is dropped again", e);
        }
    }

    private static boolean succeeded(JobStatus status) {
        return status != null && status.getSucceeded() != null && status.getSucceeded() > 0;
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

    /** Where a run's Job lives. */
    private record Target(String namespace, String name, Job wanted,
        NonNamespaceOperation<Job, JobList, ScalableResource<Job>> jobs) {
        @Override
        public String toString() {
            return namespace + "/" + name;
        }
    }

    /**
     * Streams the log of the Job's pod line by line into the Keras log parser, on its own thread: waits (with an informer) until
     * the pod has started, then follows its log to the end. Best effort: a log that cannot be read only costs progress reports.
     */
    private final class LogFollower implements AutoCloseable {

        private final Target target;
        private final String jobUid;
        private final KerasLog log;
        private final Thread thread;
        private volatile CompletableFuture<List<Pod>> started;
        private volatile LogWatch watch;
        private volatile boolean closed;

        LogFollower(Target target, Job job, KerasLog log) {
            this.target = target;
            this.jobUid = job == null ? null : job.getMetadata().getUid();
            this.log = log;
            this.thread = new Thread(this::follow, "learn-job-log-" + target.name());
            this.thread.setDaemon(true);
            this.thread.start();
        }

        private void follow() {
            try {
                started = client.pods().inNamespace(target.namespace()).withLabel(JOB_NAME_LABEL, target.name())
                    .informOnCondition(pods -> pods.stream().anyMatch(this::loggable));
                if (closed) {
                    started.cancel(true);
                    return;
                }
                Pod pod = started.get().stream().filter(this::loggable).findFirst().orElseThrow();
                watch = client.pods().inNamespace(target.namespace()).withName(pod.getMetadata().getName())
                    .inContainer(LearnJobs.CONTAINER).watchLog();
                if (closed) {
                    watch.close();
                    return;
                }
                try (BufferedReader reader = new BufferedReader(new InputStreamReader(watch.getOutput(), StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = reader.readLine()) != null) {
                        log.accept(line);
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (CancellationException e) {
                LOG.debugf("stopped waiting for the pod of the Job %s", target);
            } catch (ExecutionException | IOException | KubernetesClientException | IllegalStateException e) {
                LOG.debugf("log of the Job %s not readable: %s", target, e.getMessage());
            }
        }

        private boolean loggable(Pod pod) {
            boolean ours = jobUid == null || pod.getMetadata().getOwnerReferences() == null
                || pod.getMetadata().getOwnerReferences().stream().anyMatch(o -> jobUid.equals(o.getUid()));
            return ours && pod.getStatus() != null && LOGGABLE_PHASES.contains(pod.getStatus().getPhase());
        }

        /** Lets the stream deliver the last lines the container wrote before it ended. */
        void drain(Duration limit) {
            if (watch == null) {
                return;
            }
            try {
                thread.join(limit.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        @Override
        public void close() {
            closed = true;
            CompletableFuture<List<Pod>> waiting = started;
            if (waiting != null) {
                waiting.cancel(true);
            }
            LogWatch following = watch;
            if (following != null) {
                following.close();
            }
            thread.interrupt();
        }
    }
}
