package dev.tffashion.predict.messaging;

/** Names of the service's messaging channels (see application.properties for their topics); tests reuse them. */
public final class Channels {

    /** Incoming, batched: {@code <pipeline>.imageConvert.tensor}; dead letters to {@code <pipeline>.predict.dlq}. */
    public static final String TENSORS = "tensors";
    /** Outgoing: {@code <pipeline>.predict.prediction}, key = prediction id, acks=all, linger.ms=0. */
    public static final String PREDICTIONS = "predictions";

    private Channels() {
    }
}
