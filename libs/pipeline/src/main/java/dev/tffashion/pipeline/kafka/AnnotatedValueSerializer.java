package dev.tffashion.pipeline.kafka;

import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.Serializer;

import dev.tffashion.pipeline.AnnotatedValue;
import dev.tffashion.pipeline.Json;

/** Kafka serializer of annotated values: UTF-8 JSON, plus the CloudEvents binary-mode headers when headers are available. */
public class AnnotatedValueSerializer implements Serializer<AnnotatedValue> {

    @Override
    public byte[] serialize(String topic, AnnotatedValue value) {
        return value == null ? null : Json.toBytes(value);
    }

    @Override
    public byte[] serialize(String topic, Headers headers, AnnotatedValue value) {
        if (value != null && headers != null && headers.lastHeader(CloudEventHeaders.ID) == null) {
            CloudEventHeaders.addTo(headers, value);
        }
        return serialize(topic, value);
    }
}
