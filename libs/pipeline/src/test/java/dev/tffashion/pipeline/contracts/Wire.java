package dev.tffashion.pipeline.contracts;

import org.apache.kafka.common.header.internals.RecordHeaders;

import dev.tffashion.pipeline.AnnotatedValue;
import dev.tffashion.pipeline.kafka.AnnotatedValueDeserializer;
import dev.tffashion.pipeline.kafka.AnnotatedValueSerializer;

/** Sends a value through the Kafka serializer and deserializer, headers included, as a record on a topic would. */
final class Wire {

    private Wire() {
    }

    static AnnotatedValue roundTrip(AnnotatedValue value) {
        RecordHeaders headers = new RecordHeaders();
        byte[] payload = new AnnotatedValueSerializer().serialize("topic", headers, value);
        return new AnnotatedValueDeserializer().deserialize("topic", headers, payload);
    }
}
