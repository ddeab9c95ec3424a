package dev.tffashion.pipeline;

/**
 * A value refused for good by a task: retrying would give the same answer. The task runtime dead-letters the record that
 * carried it, alone, with {@link #code()} in the {@code dead-letter-code} header and the message as {@code dead-letter-reason};
 * each service's own refusal (a picture that cannot be converted, a recipe that does not train, a model that does not load, a
 * drop refused at the door) extends it.
 */
public class RefusedException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** The code of a record that is not a value of the expected type (not JSON, a tombstone, fields missing). */
    public static final String MALFORMED_VALUE = "MALFORMED_VALUE";

    private final String code;

    /**
     * @param code a short, stable, machine-readable reason (a dead-letter header and a metrics tag)
     * @param message what was wrong and what to do instead
     */
    public RefusedException(String code, String message) {
        this(code, message, null);
    }

    public RefusedException(String code, String message, Throwable cause) {
        super(message, cause);
        if (code == null || code.isBlank()) {
            throw new IllegalArgumentException("a refusal needs a code (a short machine-readable reason), got '" + code + "'");
        }
        this.code = code;
    }

    /** The short, stable, machine-readable reason. */
    public String code() {
        return code;
    }
}
