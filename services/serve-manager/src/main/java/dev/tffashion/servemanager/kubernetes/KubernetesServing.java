package dev.tffashion.servemanager.kubernetes;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

import org.jboss.logging.Logger;

import dev.tffashion.servemanager.ServingBackend;
import dev.tffashion.servemanager.config.ServingConfig;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;

/**
 * Kubernetes mode: TF Serving runs as a Deployment and Service that this service reconciles over the models claim it shares, and
 * reaches through the Service. Reconciled at start-up, before each install, and whenever an informer sees either object change or
 * go (and every {@code serving.kubernetes.resync}): a hand-edited spec is put back. Before a model is installed, a TF Serving pod
 * must run; while none does (an image pull, an unschedulable pod) the model stays pending and the wait starts again after each
 * {@code serving.kubernetes.rollout-timeout}.
 */
public final class KubernetesServing implements ServingBackend, AutoCloseable {

    private static final Logger LOG = Logger.getLogger(KubernetesServing.class);

    private final ServingConfig config;
    private final TfServingReconciler reconciler;
    private final TfServingSpec spec;
    private final ExecutorService resyncs = Executors.newSingleThreadExecutor(r -> {
        Thread thread = new Thread(r, "tf-serving-resync");
        thread.setDaemon(true);
        return thread;
    });
    private final AtomicBoolean resyncQueued = new AtomicBoolean();
    private volatile List<SharedIndexInformer<? extends HasMetadata>> informers;

    public KubernetesServing(ServingConfig config, TfServingReconciler reconciler) {
        this.config = config;
        this.reconciler = reconciler;
        this.spec = TfServingSpec.from(config, config.kubernetes().namespace().filter(n -> !n.isBlank())
                .orElseGet(reconciler::defaultNamespace));
    }

    /** What is reconciled. */
    public TfServingSpec spec() {
        return spec;
    }

    @Override
    public void ensureRunning() {
        if (!config.kubernetes().reconcile()) {
            return;
        }
        reconcile();
        watch();
    }

    @Override
    public void awaitReady(Consumer<String> pending) {
        Duration limit = config.kubernetes().rolloutTimeout();
        long started = System.nanoTime();
        for (int attempt = 1; !reconciler.awaitRunningPod(spec, limit); attempt++) {
            String reason = String.format("no pod of the TF Serving Deployment %s/%s runs after %d s (attempt %d; pulling the image %s? "
                    + "unschedulable? see kubectl describe deployment %s); waiting again for up to %d s", spec.namespace(), spec.name(),
                    Duration.ofNanos(System.nanoTime() - started).toSeconds(), attempt, spec.image(), spec.name(), limit.toSeconds());
            LOG.warn(reason);
            pending.accept(reason);
            if (config.kubernetes().reconcile()) {
                reconcile();
            }
        }
    }

    private TfServingReconciler.Result reconcile() {
        TfServingReconciler.Result result = reconciler.reconcile(spec, config.kubernetes().ownerDeployment().filter(n -> !n.isBlank()));
        if (result.changed()) {
            LOG.infof("reconciled TF Serving %s in %s: %s", spec.name(), spec.namespace(), result);
        }
        return result;
    }

    /** Starts the informers once; each event queues one reconcile (events that come while one is queued join it). */
    private synchronized void watch() {
        if (informers != null) {
            return;
        }
        informers = reconciler.watch(spec, config.kubernetes().resync(), () -> {
            if (resyncQueued.compareAndSet(false, true)) {
                resyncs.execute(this::resync);
            }
        });
        LOG.infof("watching the TF Serving Deployment and Service %s in %s (resync every %s)", spec.name(), spec.namespace(),
                config.kubernetes().resync());
    }

    private void resync() {
        resyncQueued.set(false);
        try {
            reconcile();
        } catch (RuntimeException e) {
            LOG.warnf("could not put TF Serving back as configured (retried at the next change or resync): %s", e.getMessage());
        }
    }

    @Override
    public String grpcTarget() {
        return config.grpcTarget().filter(t -> !t.isBlank()).orElseGet(spec::serviceGrpcTarget);
    }

    @Override
    public String restUrl() {
        return config.restUrl().filter(u -> !u.isBlank()).orElseGet(spec::serviceRestUrl);
    }

    @Override
    public String describe() {
        return "TF Serving Deployment " + spec.name() + " in namespace " + spec.namespace() + " (" + spec.image() + ")";
    }

    @Override
    public synchronized void close() {
        if (informers != null) {
            informers.forEach(SharedIndexInformer::close);
            informers = null;
        }
        resyncs.shutdownNow();
    }
}
