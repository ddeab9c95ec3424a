package dev.tffashion.servemanager;

import dev.tffashion.pipeline.RefusedException;

/**
 * A model value that is not served, with the reason: not a model, an archive that does not unpack, a version that fails to load or
 * to agree with its evaluation samples. The reason travels to the failed status and to the dead-letter record.
 */
public class ModelRejectedException extends RefusedException {

    private final String kind;

    /**
     * @param kind short cause for metrics: invalid, archive, load, verify, replay
     */
    public ModelRejectedException(String kind, String message) {
        super(kind, message);
        this.kind = kind;
    }

    public ModelRejectedException(String kind, String message, Throwable cause) {
        super(kind, message, cause);
        this.kind = kind;
    }

    /** Short cause for metrics and status details: invalid, archive, load, verify, replay. */
    public String kind() {
        return kind;
    }
}
