package dev.tffashion.pipeline;

/** A record on a pipeline topic that is not a valid annotated value (or other pipeline JSON document). */
public class MalformedValueException extends RuntimeException {

    public MalformedValueException(String message, Throwable cause) {
        super(message, cause);
    }

    public MalformedValueException(String message) {
        super(message);
    }
}
