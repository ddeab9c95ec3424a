package dev.tffashion.filedrop.messaging;

import java.time.Instant;

/**
 * The dead letters of every task ({@code <pipeline>.<task>.dlq}), by the id of the refused value (the record's key), with the
 * reason and the topic the task refused it from (the {@code dead-letter-reason} and {@code dead-letter-topic} headers). Kept in
 * the index's state stores by {@link IndexUpdater}.
 */
public final class DeadLetters {

    /** A dead-lettered record: the task that refused it, why, and when. */
    public record DeadLetter(String id, String task, String reason, String topic, Instant at) {
    }

    private DeadLetters() {
    }
}
