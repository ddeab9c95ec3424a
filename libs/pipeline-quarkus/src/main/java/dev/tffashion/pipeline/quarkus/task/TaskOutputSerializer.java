package dev.tffashion.pipeline.quarkus.task;

import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.Serializer;

import dev.tffashion.pipeline.AnnotatedValue;
import dev.tffashion.pipeline.kafka.AnnotatedValueSerializer;

/**
 * The value serializer of a transactional task output channel: one transactional producer writes both the task's values
 * (annotated values, through {@link AnnotatedValueSerializer}) and its dead letters (the refused record's own bytes, unchanged), so
 * that both are part of the batch's transaction. Anything else is a programming error and is refused with its type.
 */
public class TaskOutputSerializer implements Serializer<Object> {

    private final AnnotatedValueSerializer values = new AnnotatedValueSerializer();

    @Override
    public byte[] serialize(String topic, Object value) {
        return serialize(topic, null, value);
    }

    @Override
    public byte[] serialize(String topic, Headers headers, Object value) {
        if (value == null) {
            return null;
        }
        if (value instanceof AnnotatedValue annotated) {
            return headers == null ? values.serialize(topic, annotated) : values.serialize(topic, headers, annotated);
        }
        if (value instanceof byte[] bytes) {
            return bytes;
        }
        throw new IllegalArgumentException("a task output on " + topic + " must be an annotated value or a dead letter's bytes, not a "
            + value.getClass().getName());
    }
}
