package dev.tffashion.pipeline.contracts.replay;

/** A replay request that cannot be run: what is wrong ({@link #getMessage()}) and what to send instead ({@link #hint()}). */
public class InvalidReplayRequestException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    private final String hint;

    public InvalidReplayRequestException(String message, String hint) {
        super(message);
        this.hint = hint;
    }

    /** What to send instead. */
    public String hint() {
        return hint;
    }
}
