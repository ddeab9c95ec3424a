package dev.tffashion.predict;

/**
 * TF Serving or the served model fails in a way that is not the tensor's fault (INTERNAL, UNIMPLEMENTED, a signature predict
 * cannot use, an output that is not ten class scores). The task reports {@code failed} and keeps retrying slowly, so a fixed server
 * or a new model picks the tensors up; nothing is dead-lettered for it.
 */
public class ServingFailedException extends RuntimeException {

    public ServingFailedException(String message) {
        super(message);
    }

    public ServingFailedException(String message, Throwable cause) {
        super(message, cause);
    }
}
