package dev.tffashion.predict;

/** TF Serving answered NOT_FOUND: the announced model or version is not (or no longer) loaded. Transient: wait for a new endpoint. */
public class ModelNotLoadedException extends ServingUnavailableException {

    public ModelNotLoadedException(String message, Throwable cause) {
        super(message, cause);
    }
}
