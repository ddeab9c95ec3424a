package dev.tffashion.modelserver;

import org.tensorflow.proto.error.Code;

/** A request or load failure with TF Serving's status code (the same numbers as gRPC's) and a message for the caller. */
public final class ServingException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final Code code;

    ServingException(Code code, String message) {
        super(message);
        this.code = code;
    }

    ServingException(Code code, String message, Throwable cause) {
        super(message, cause);
        this.code = code;
    }

    /** TF Serving's error code. */
    public Code code() {
        return code;
    }

    static ServingException notFound(String message) {
        return new ServingException(Code.NOT_FOUND, message);
    }

    static ServingException invalidArgument(String message) {
        return new ServingException(Code.INVALID_ARGUMENT, message);
    }

    static ServingException unimplemented(String message) {
        return new ServingException(Code.UNIMPLEMENTED, message);
    }

    static ServingException failedPrecondition(String message) {
        return new ServingException(Code.FAILED_PRECONDITION, message);
    }
}
