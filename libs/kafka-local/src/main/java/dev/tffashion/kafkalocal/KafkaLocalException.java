package dev.tffashion.kafkalocal;

/** Kafka could not be started or reached; the message says what was wrong and what to do. */
public class KafkaLocalException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** Creates the exception with a message that says what was wrong and what to do. */
    public KafkaLocalException(String message) {
        super(message);
    }

    /** Creates the exception with a message and its cause. */
    public KafkaLocalException(String message, Throwable cause) {
        super(message, cause);
    }
}
