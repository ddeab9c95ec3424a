package dev.tffashion.servemanager.kubernetes;

import org.jboss.logging.Logger;

import dev.tffashion.servemanager.ServingBackend;
import dev.tffashion.servemanager.config.ServingConfig;

/**
 * Kubernetes mode: TF Serving runs as a Deployment and Service that this service reconciles (at start-up and before each install)
 * over the models claim it shares; the serve-manager reaches it through the Service.
 */
public final class KubernetesServing implements ServingBackend {

    private static final Logger LOG = Logger.getLogger(KubernetesServing.class);

    private final ServingConfig config;
    private final TfServingReconciler reconciler;
    private final TfServingSpec spec;

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
        TfServingReconciler.Result result = reconciler.reconcile(spec);
        if (result.changed()) {
            LOG.infof("reconciled TF Serving %s in %s: %s", spec.name(), spec.namespace(), result);
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
}
