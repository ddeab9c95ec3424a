package dev.tffashion.predict;

/**
 * TF Serving cannot answer now (down, deadline exceeded, overloaded, circuit open): transient. The tensors stay on Kafka, the task
 * reports {@code waiting}, and the batch is tried again.
 */
public class ServingUnavailableException extends RuntimeException {

    public ServingUnavailableException(String message) {
        super(message);
    }

    public ServingUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
