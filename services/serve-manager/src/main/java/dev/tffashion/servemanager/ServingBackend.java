package dev.tffashion.servemanager;

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

    /** For logs: the mode and where the server is. */
    String describe();
}
