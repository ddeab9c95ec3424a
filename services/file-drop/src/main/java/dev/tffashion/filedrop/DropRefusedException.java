package dev.tffashion.filedrop;

import dev.tffashion.pipeline.RefusedException;

/** A drop refused at the door: the HTTP status, what was wrong, and what to do instead. Nothing is published for it. */
public class DropRefusedException extends RefusedException {

    private final int status;
    private final String reason;
    private final String hint;

    public DropRefusedException(int status, String reason, String message, String hint) {
        super(reason, message);
        this.status = status;
        this.reason = reason;
        this.hint = hint;
    }

    /**
     * The HTTP status: 400 empty, 409 the same Idempotency-Key in flight, 413 too large, 415 wrong kind of content, 422 unusable
     * content; the server's side: 503 Kafka or the content store unavailable (or the index loading), 507 the content store full.
     */
    public int status() {
        return status;
    }

    /** A short machine-readable reason, also the metrics tag (empty, too-large, not-an-image, ...). */
    public String reason() {
        return reason;
    }

    public String hint() {
        return hint;
    }
}
