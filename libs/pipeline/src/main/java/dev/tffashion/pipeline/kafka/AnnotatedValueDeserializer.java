package dev.tffashion.pipeline.kafka;

import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.Deserializer;

import dev.tffashion.pipeline.AnnotatedValue;
import dev.tffashion.pipeline.Json;

/**
 * Kafka deserializer of annotated values through {@link ValueRecords#decode}. A record that is not a valid annotated value raises
 * {@link dev.tffashion.pipeline.MalformedValueException}; consumers route it to their dead-letter topic with that reason.
 */
public class AnnotatedValueDeserializer implements Deserializer<AnnotatedValue> {

    @Override
    public AnnotatedValue deserialize(String topic, byte[] data) {
        return data == null ? null : Json.fromBytes(data, AnnotatedValue.class);
    }

    @Override
    public AnnotatedValue deserialize(String topic, Headers headers, byte[] data) {
        return data == null ? null : ValueRecords.decode(headers, data);
    }
}
