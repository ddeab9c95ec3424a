package dev.tffashion.filedrop.messaging;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/**
 * The dead letters of every task ({@code <pipeline>.<task>.dlq}), by the id of the refused value (the record's key), with the
 * reason and the topic the task refused it from (the {@code dead-letter-reason} and {@code dead-letter-topic} headers). Filled
 * by {@link ValueIndex}; thread-safe.
 */
public final class DeadLetters {

    /** A dead-lettered record: the task that refused it, why, and when. */
    public record DeadLetter(String id, String task, String reason, String topic, Instant at) {
    }

    private final Map<String, DeadLetter> byId = new ConcurrentHashMap<>();

    /** Records a dead letter of {@code task} read from its topic. */
    DeadLetter add(String task, String key, Headers headers, long timestamp) {
        DeadLetter letter = new DeadLetter(key, task, header(headers, "dead-letter-reason"), header(headers, "dead-letter-topic"),
            Instant.ofEpochMilli(timestamp));
        if (key != null) {
            byId.put(key, letter);
        }
        return letter;
    }

    void forget(String id) {
        byId.remove(id);
    }

    Optional<DeadLetter> of(String id) {
        return Optional.ofNullable(byId.get(id));
    }

    Collection<DeadLetter> all() {
        return List.copyOf(byId.values());
    }

    int size() {
        return byId.size();
    }

    private static String header(Headers headers, String name) {
        Header header = headers.lastHeader(name);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }
}
