package dev.tffashion.servemanager;

import java.util.function.Consumer;

/**
 * Who runs the TF-Serving-compatible model server over the model base path, per {@code serving.mode}: the embedded server in this
 * process, an external TF Serving, or a Deployment reconciled on Kubernetes. The serve-manager's flow is the same over each.
 */
public interface ServingBackend {

    /** Makes sure a model server runs over the base path (starts it, or reconciles its Deployment); idempotent. */
    void ensureRunning();

    /** The gRPC target ({@code host:port}) the serve-manager calls and announces. */
    String grpcTarget();

    /** The REST base URL ({@code http://host:port}) that is announced. */
    String restUrl();

    /** Tells the model server that a version folder appeared or went away (the embedded one polls at once; others poll by themselves). */
    default void basePathChanged() {
    }

    /**
     * Waits until the model server can take a new version (on Kubernetes: a TF Serving pod runs). Each time a wait of the
     * backend's limit passes without it, {@code pending} hears why and the wait starts again: slow infrastructure keeps a model
     * pending, it never refuses it. Returns at once where the server runs in or beside this process.
     */
    default void awaitReady(Consumer<String> pending) {
    }

    /** For logs: the mode and where the server is. */
    String describe();
}
