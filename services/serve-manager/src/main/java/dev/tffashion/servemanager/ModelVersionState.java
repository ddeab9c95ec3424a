package dev.tffashion.servemanager;

/**
 * What the model server says of one version (TF Serving's GetModelStatus), in domain terms.
 *
 * @param state the life-cycle state; {@link State#UNKNOWN} when the server has not seen the version (yet)
 * @param error the load error when the version ended with one, else null
 */
public record ModelVersionState(long version, State state, String error) {

    /** TF Serving's version life cycle, plus UNKNOWN for a version the server does not know. */
    public enum State {
        UNKNOWN,
        START,
        LOADING,
        AVAILABLE,
        UNLOADING,
        END
    }

    /** Whether the version failed to load. */
    public boolean failed() {
        return state == State.END && error != null && !error.isBlank();
    }

    public boolean available() {
        return state == State.AVAILABLE;
    }
}
