package dev.tffashion.filedrop.messaging;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import dev.tffashion.pipeline.AnnotatedValue;

/**
 * The drops made with an {@code Idempotency-Key}: task-scoped key ({@code <task>/<key>}) → the id of the first value dropped
 * with it, for as long as {@link PipelineView} keeps that value. Filled by {@link ValueIndex}; thread-safe.
 */
final class IdempotencyKeys {

    /** The annotation a drop's Idempotency-Key travels in. */
    static final String ANNOTATION = "idempotencyKey";

    private final Map<String, String> idByKey = new ConcurrentHashMap<>();

    void add(AnnotatedValue value) {
        String key = value.annotation(ANNOTATION);
        if (key != null) {
            idByKey.putIfAbsent(value.task() + "/" + key, value.id());
        }
    }

    void forget(AnnotatedValue evicted) {
        String key = evicted.annotation(ANNOTATION);
        if (key != null) {
            idByKey.remove(evicted.task() + "/" + key, evicted.id());
        }
    }

    Optional<String> idOf(String taskScopedKey) {
        return Optional.ofNullable(idByKey.get(taskScopedKey));
    }
}
