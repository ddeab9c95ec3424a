package dev.tffashion.predict;

/**
 * A tensor record that can never be predicted as it is (not an annotated tensor value, malformed content, or refused by TF Serving
 * with INVALID_ARGUMENT); its record goes to {@code <pipeline>.predict.dlq} with this message as the reason.
 */
public class RejectedInputException extends RuntimeException {

    public RejectedInputException(String message) {
        super(message);
    }

    public RejectedInputException(String message, Throwable cause) {
        super(message, cause);
    }
}
