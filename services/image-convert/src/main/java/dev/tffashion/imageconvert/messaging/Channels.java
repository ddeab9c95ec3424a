package dev.tffashion.imageconvert.messaging;

import dev.tffashion.pipeline.quarkus.task.DeadLetters;

/** Names of the service's messaging channels (see application.properties for their topics); tests reuse them. */
public final class Channels {

    /** Incoming: {@code <pipeline>.imageInput.droppedFile}; dead letters to {@code <pipeline>.imageConvert.dlq}. */
    public static final String IMAGES = "images";
    /** Outgoing: {@code <pipeline>.imageConvert.tensor}, key = tensor id (client settings: docs/configuration.md). */
    public static final String TENSORS = "tensors";
    /** Header of a dead letter with the stable reason code (e.g. TRUNCATED), beside SmallRye's dead-letter-reason. */
    public static final String DEAD_LETTER_CODE = DeadLetters.CODE;

    private Channels() {
    }
}
