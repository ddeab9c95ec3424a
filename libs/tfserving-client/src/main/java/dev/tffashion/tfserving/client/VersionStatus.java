package dev.tffashion.tfserving.client;

/**
 * What GetModelStatus says of one version, in domain terms.
 *
 * @param state the life-cycle state; {@link State#UNKNOWN} when the server has not seen the version (yet)
 * @param error the load error when the version ended with one, else null
 */
public record VersionStatus(long version, State state, String error) {

    /** TF Serving's version life cycle, plus UNKNOWN for a version the server does not know. */
    public enum State {
        UNKNOWN,
        START,
        LOADING,
        AVAILABLE,
        UNLOADING,
        END
    }

    /** Whether the version failed to load (it ended with an error). */
    public boolean failed() {
        return state == State.END && error != null && !error.isBlank();
    }

    /** Whether the version serves. */
    public boolean available() {
        return state == State.AVAILABLE;
    }
}
