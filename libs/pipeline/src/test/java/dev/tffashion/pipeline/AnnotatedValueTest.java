package dev.tffashion.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import dev.tffashion.pipeline.kafka.AnnotatedValueDeserializer;
import dev.tffashion.pipeline.kafka.AnnotatedValueSerializer;
import dev.tffashion.pipeline.kafka.CloudEventHeaders;

class AnnotatedValueTest {

    static AnnotatedValue sample() {
        return AnnotatedValue.builder().id("abc").pipeline("tf-fashion").task("imageConvert").output("tensor").type("tensor")
                .data("data:application/json;base64,e30=").mediaType("application/json").size(2)
                .sha256("44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a")
                .sourceInput("image", "img-1").createdAt(Instant.parse("2026-11-26T10:15:30Z"))
                .annotation("fileName", "shirt.png").build();
    }

    @Test
    void jsonHasEveryFieldOfTheArchitectureAndRoundTrips() throws Exception {
        AnnotatedValue value = sample();
        byte[] json = Json.toBytes(value);
        JsonNode node = Json.mapper().readTree(json);
        for (String field : List.of("id", "pipeline", "task", "output", "type", "data", "mediaType", "size", "sha256",
                "sourceInputs", "createdAt", "annotations")) {
            assertTrue(node.has(field), "missing field " + field + " in " + new String(json, StandardCharsets.UTF_8));
        }
        assertEquals("2026-11-26T10:15:30Z", node.get("createdAt").asText());
        assertEquals("image", node.get("sourceInputs").get(0).get("input").asText());
        assertEquals("img-1", node.get("sourceInputs").get(0).get("ids").get(0).asText());
        assertEquals(value, Json.fromBytes(json, AnnotatedValue.class));
    }

    @Test
    void serdeAddsCloudEventsBinaryHeaders() {
        RecordHeaders headers = new RecordHeaders();
        byte[] bytes = new AnnotatedValueSerializer().serialize("t", headers, sample());
        assertEquals("1.0", header(headers, CloudEventHeaders.SPEC_VERSION));
        assertEquals("abc", header(headers, CloudEventHeaders.ID));
        assertEquals("/tf-fashion/imageConvert/tensor", header(headers, CloudEventHeaders.SOURCE));
        assertEquals("dev.tffashion.tensor", header(headers, CloudEventHeaders.TYPE));
        assertEquals("2026-11-26T10:15:30Z", header(headers, CloudEventHeaders.TIME));
        assertEquals(sample(), new AnnotatedValueDeserializer().deserialize("t", bytes));
    }

    @Test
    void malformedRecordsAreReportedWithTheReason() {
        MalformedValueException e = assertThrows(MalformedValueException.class,
                () -> new AnnotatedValueDeserializer().deserialize("t", "not json".getBytes(StandardCharsets.UTF_8)));
        assertTrue(e.getMessage().contains("AnnotatedValue"), e.getMessage());
        assertThrows(MalformedValueException.class,
                () -> new AnnotatedValueDeserializer().deserialize("t", "{\"id\":\"x\"}".getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void derivedIdsAreDeterministicAndDependOnEveryPart() {
        String id = ValueIds.derived("learn", "model", "recipe-1");
        assertEquals(id, ValueIds.derived("learn", "model", List.of("recipe-1")));
        assertEquals(32, id.length());
        assertNotEquals(id, ValueIds.derived("learn", "model", "recipe-2"));
        assertNotEquals(id, ValueIds.derived("learn", "other", "recipe-1"));
        assertNotEquals(ValueIds.derived("a", "b", "c", "d"), ValueIds.derived("a", "b", "d", "c"));
        assertNotEquals(ValueIds.random(), ValueIds.random());
    }

    @Test
    void idempotencyKeyIdsAreNameBasedUuidsOfPipelineTaskAndKey() {
        String id = ValueIds.forIdempotencyKey("tf-fashion", "imageInput", "retry-1");
        assertEquals(id, ValueIds.forIdempotencyKey("tf-fashion", "imageInput", "retry-1"));
        assertEquals(3, java.util.UUID.fromString(id).version(), "a name-based UUID");
        assertNotEquals(id, ValueIds.forIdempotencyKey("tf-fashion", "scriptInput", "retry-1"));
        assertNotEquals(id, ValueIds.forIdempotencyKey("other", "imageInput", "retry-1"));
        assertNotEquals(id, ValueIds.forIdempotencyKey("tf-fashion", "imageInput", "retry-2"));
    }

    @Test
    void requiredFieldsAreChecked() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> sample().toBuilder().task(null).build());
        assertTrue(e.getMessage().contains("task"));
        assertEquals(Map.of("fileName", "shirt.png"), sample().annotations());
    }

    private static String header(RecordHeaders headers, String key) {
        return new String(headers.lastHeader(key).value(), StandardCharsets.UTF_8);
    }
}
