package dev.tffashion.learn;

import dev.tffashion.pipeline.AnnotatedValue;
import dev.tffashion.pipeline.Json;
import dev.tffashion.pipeline.ValueIds;
import dev.tffashion.pipeline.store.ContentStore;
import dev.tffashion.pipeline.store.Contents;
import io.smallrye.reactive.messaging.kafka.companion.KafkaCompanion;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.apache.kafka.clients.producer.ProducerRecord;

/** Drops scripts on the script topic as file-drop would: annotated values with the content inline or in the store. */
final class Drops {

    static final String TOPIC = "tf-fashion.scriptInput.droppedFile";

    private Drops() {
    }

    static AnnotatedValue drop(KafkaCompanion companion, ContentStore store, String fileName, String mediaType, String content) {
        AnnotatedValue value = AnnotatedValue.builder()
            .id(ValueIds.random())
            .pipeline("tf-fashion")
            .task("scriptInput")
            .output("droppedFile")
            .type("scriptFile")
            .content(Contents.store(store, content.getBytes(StandardCharsets.UTF_8), mediaType))
            .annotation("fileName", fileName)
            .build();
        companion.produceStrings().fromRecords(new ProducerRecord<>(TOPIC, value.id(), Json.toString(value)))
            .awaitCompletion(Duration.ofSeconds(30));
        return value;
    }
}
