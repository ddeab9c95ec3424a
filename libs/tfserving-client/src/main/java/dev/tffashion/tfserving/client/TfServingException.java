package dev.tffashion.tfserving.client;

/**
 * A TF Serving call failed, in domain terms: {@link #kind()} says what the caller should do (wait, wait for another model, drop
 * the input, or report a failure that is nobody's input's fault); the message names the call, the target and what it answered.
 */
public class TfServingException extends RuntimeException {

    /** What a failure means for the caller. */
    public enum Kind {
        /** The server does not answer now (down, deadline exceeded, busy, circuit open): transient, try again later. */
        UNAVAILABLE,
        /** The server answers but does not have the model or version (NOT_FOUND): transient, wait for another model. */
        MODEL_NOT_LOADED,
        /** Predict refused the tensor (INVALID_ARGUMENT, OUT_OF_RANGE, FAILED_PRECONDITION): the input can never be predicted. */
        REJECTED,
        /** The server or the model fails in a way that is not the input's fault (INTERNAL, an unusable signature or output ...). */
        FAILED
    }

    private final Kind kind;

    public TfServingException(Kind kind, String message) {
        this(kind, message, null);
    }

    public TfServingException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }

    /** Whether the server did not answer (worth retrying against the same target). */
    public boolean unavailable() {
        return kind == Kind.UNAVAILABLE;
    }
}
