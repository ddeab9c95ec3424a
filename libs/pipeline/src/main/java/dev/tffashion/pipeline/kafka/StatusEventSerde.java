package dev.tffashion.pipeline.kafka;

import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serializer;

import dev.tffashion.pipeline.Json;
import dev.tffashion.pipeline.status.StatusEvent;

/** Kafka serializer and deserializer of status events (JSON, key = task name). */
public final class StatusEventSerde {

    private StatusEventSerde() {
    }

    /** Serializer of status events. */
    public static class StatusEventSerializer implements Serializer<StatusEvent> {
        @Override
        public byte[] serialize(String topic, StatusEvent event) {
            return event == null ? null : Json.toBytes(event);
        }
    }

    /** Deserializer of status events. */
    public static class StatusEventDeserializer implements Deserializer<StatusEvent> {
        @Override
        public StatusEvent deserialize(String topic, byte[] data) {
            return data == null ? null : Json.fromBytes(data, StatusEvent.class);
        }
    }
}
