package dev.tffashion.pipeline.kafka;

import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.Serializer;

import dev.tffashion.pipeline.AnnotatedValue;
import dev.tffashion.pipeline.Json;

/**
 * Kafka serializer of annotated values through {@link ValueRecords#encode}: the envelope headers on every record, a raw tensor or
 * UTF-8 JSON as the payload.
 */
public class AnnotatedValueSerializer implements Serializer<AnnotatedValue> {

    @Override
    public byte[] serialize(String topic, AnnotatedValue value) {
        return value == null ? null : Json.toBytes(value);
    }

    @Override
    public byte[] serialize(String topic, Headers headers, AnnotatedValue value) {
        return value == null ? null : ValueRecords.encode(value, headers);
    }
}
