package dev.tffashion.learn;

import dev.tffashion.pipeline.RefusedException;

/**
 * A dropped script that did not become a model, with the reason a user can act on (a bad recipe, a script that failed,
 * Python scripts switched off, no dataset, ...). The consumer dead-letters the script with this message.
 */
public class LearnException extends RefusedException {

    private static final long serialVersionUID = 1L;

    private final String kind;

    /**
     * @param kind a short machine-readable category: recipe, script, python-off, dataset, model, store, publish, cpu
     */
    public LearnException(String kind, String message, Throwable cause) {
        super(kind, message, cause);
        this.kind = kind;
    }

    public LearnException(String kind, String message) {
        this(kind, message, null);
    }

    public String kind() {
        return kind;
    }
}
