package dev.tffashion.servemanager;

/** The model server could not be reached or answered with an error; the message says which call, where, and what it answered. */
public class ModelServerException extends RuntimeException {

    private final boolean unavailable;

    public ModelServerException(String message, boolean unavailable, Throwable cause) {
        super(message, cause);
        this.unavailable = unavailable;
    }

    /** True when the server did not answer (down, unreachable, timed out) rather than refusing the request. */
    public boolean unavailable() {
        return unavailable;
    }
}
