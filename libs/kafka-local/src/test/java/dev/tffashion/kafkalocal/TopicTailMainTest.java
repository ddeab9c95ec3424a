package dev.tffashion.kafkalocal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;

import dev.tffashion.pipeline.AnnotatedValue;
import dev.tffashion.pipeline.Json;
import dev.tffashion.pipeline.contracts.TensorValue;
import dev.tffashion.pipeline.kafka.ValueRecords;
import dev.tffashion.pipeline.store.ContentStore;

/** What {@code bin/tf-fashion tail} prints: a tensor record summarised for people, other records as they are. */
class TopicTailMainTest {

    @TempDir
    Path dir;

    @Test
    void aTensorIsPrintedAsItsEnvelopeAndASummaryNotItsFloats() throws Exception {
        float[] pixels = new float[784];
        pixels[10] = 1f;
        pixels[11] = 0.5f;
        AnnotatedValue tensor = TensorValue.ofImage("tf-fashion", "img-1", pixels, new int[] {28, 28}, "shirt.png",
            Map.of(TensorValue.PREVIEW_PNG, java.util.Base64.getEncoder().encodeToString(new byte[300])))
            .toValue(ContentStore.atFolder(dir));

        JsonNode line = Json.mapper().readTree(TopicTailMain.line(record(tensor)));

        assertEquals(tensor.id(), line.get("id").asText());
        assertEquals("/tf-fashion/imageConvert/tensor", line.get("source").asText());
        assertEquals("img-1", line.get("sourceInputs").get(0).get("ids").get(0).asText());
        assertEquals("[28,28]", line.get("tensor").get("shape").toString());
        assertEquals(784, line.get("tensor").get("count").asInt());
        assertEquals(0.0, line.get("tensor").get("min").asDouble());
        assertEquals(1.0, line.get("tensor").get("max").asDouble());
        assertTrue(line.get("annotations").get("previewPng").asText().startsWith("(300 bytes of PNG"), line.toString());
        assertEquals("shirt.png", line.get("annotations").get("fileName").asText());
        assertTrue(line.toString().length() < 1000, "a summary, not 784 floats: " + line);
    }

    @Test
    void otherRecordsArePrintedAsTheyAre() {
        byte[] status = "{\"task\":\"predict\",\n\"state\":\"idle\"}".getBytes(StandardCharsets.UTF_8);
        ConsumerRecord<byte[], byte[]> record = new ConsumerRecord<>("t", 0, 0, 0, TimestampType.CREATE_TIME, 0, status.length, null,
            status, new RecordHeaders(), Optional.empty());
        assertEquals("{\"task\":\"predict\", \"state\":\"idle\"}", TopicTailMain.line(record));
    }

    @Test
    void aBrokenTensorRecordSaysWhy() {
        AnnotatedValue tensor = TensorValue.ofImage("tf-fashion", "img-2", new float[784], new int[] {28, 28}, null, Map.of())
            .toValue(ContentStore.atFolder(dir));
        ConsumerRecord<byte[], byte[]> record = record(tensor);
        record.headers().remove(ValueRecords.TF_SHA256);
        String line = TopicTailMain.line(record);
        assertTrue(line.contains("not a readable tensor record") && line.contains("tf_sha256"), line);
        assertFalse(line.contains("\n"));
    }

    private static ConsumerRecord<byte[], byte[]> record(AnnotatedValue value) {
        RecordHeaders headers = new RecordHeaders();
        byte[] payload = ValueRecords.encode(value, headers);
        byte[] key = value.id().getBytes(StandardCharsets.UTF_8);
        return new ConsumerRecord<>("t", 0, 0, 0, TimestampType.CREATE_TIME, key.length, payload.length, key, payload, headers,
            Optional.empty());
    }
}
