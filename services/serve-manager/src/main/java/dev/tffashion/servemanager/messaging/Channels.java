package dev.tffashion.servemanager.messaging;

/** The serve-manager's messaging channels (topics are set in application.properties from the pipeline name). */
public final class Channels {

    /** Incoming: {@code <pipeline>.learn.model}; failures go to {@code <pipeline>.serve.dlq}. */
    public static final String MODELS = "models";
    /** Outgoing: {@code <pipeline>.serve.endpoint} (compacted). */
    public static final String ENDPOINTS = "endpoints";

    private Channels() {
    }
}
