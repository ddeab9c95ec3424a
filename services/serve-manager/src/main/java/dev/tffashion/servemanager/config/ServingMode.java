package dev.tffashion.servemanager.config;

/** Who runs the TF-Serving-compatible model server that the serve-manager installs versions for. */
public enum ServingMode {
    /** libs/model-server inside this process. */
    EMBEDDED,
    /** An already running TF Serving over a shared models folder (compose). */
    EXTERNAL,
    /** A tensorflow/serving Deployment and Service that this service reconciles. */
    KUBERNETES
}
