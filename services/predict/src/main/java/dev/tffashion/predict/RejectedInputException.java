package dev.tffashion.predict;

import dev.tffashion.pipeline.RefusedException;

/**
 * A tensor record that can never be predicted as it is (not an annotated tensor value, malformed content, or refused by TF Serving
 * with INVALID_ARGUMENT); its record goes to {@code <pipeline>.predict.dlq} with this message as the reason.
 */
public class RejectedInputException extends RefusedException {

    /** The code of a tensor record refused without a more precise one. */
    public static final String REJECTED_INPUT = "REJECTED_INPUT";

    public RejectedInputException(String message) {
        super(REJECTED_INPUT, message);
    }

    public RejectedInputException(String message, Throwable cause) {
        super(REJECTED_INPUT, message, cause);
    }

    /** A refusal with a more precise code ({@code MALFORMED_VALUE}, {@code INVALID_ARGUMENT}, ...). */
    public RejectedInputException(String code, String message, Throwable cause) {
        super(code, message, cause);
    }
}
