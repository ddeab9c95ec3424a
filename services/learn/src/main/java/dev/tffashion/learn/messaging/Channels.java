package dev.tffashion.learn.messaging;

/** The learn service's messaging channels (topics are set in application.properties from the pipeline name). */
public final class Channels {

    /** Incoming: {@code <pipeline>.scriptInput.droppedFile}; failures go to {@code <pipeline>.learn.dlq}. */
    public static final String SCRIPTS = "scripts";
    /** Outgoing: {@code <pipeline>.learn.model}. */
    public static final String MODELS = "models";

    private Channels() {
    }
}
