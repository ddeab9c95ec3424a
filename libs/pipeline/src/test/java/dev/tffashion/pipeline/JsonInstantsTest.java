package dev.tffashion.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;

import dev.tffashion.pipeline.status.StatusEvent;
import dev.tffashion.pipeline.status.TaskState;

/**
 * {@link Json} writes instants as Jackson's own writer of {@link Instant} does, reads them as its reader does, whatever their
 * form, and values round-trip.
 */
class JsonInstantsTest {

    /** What {@link Json}'s mapper was before its own instant writer and reader: JavaTimeModule's, instants as ISO-8601 text. */
    private static final ObjectMapper REFERENCE = new ObjectMapper().registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private static final TypeReference<Map<String, Instant>> MAP = new TypeReference<>() {
    };

    @Test
    void instantsAreWrittenAsJacksonsWriterDoesAndReadBackExactly() throws IOException {
        for (Instant instant : IsoInstantsTest.instants(7, 50_000)) {
            String json = Json.toString(Map.of("at", instant));
            assertEquals(REFERENCE.writeValueAsString(Map.of("at", instant)), json);
            assertEquals(instant, read(Json.mapper(), json), json);
            assertEquals(read(REFERENCE, json), read(Json.mapper(), json), json);
        }
    }

    @Test
    void everyOtherFormIsAcceptedOrRejectedAsJacksonsReaderDoes() throws IOException {
        for (String at : List.of("\"2026-12-04T20:09:51Z\"", "\"2026-12-04T20:09:51.123456789Z\"", "\"2016-12-31T23:59:60Z\"",
                "\"2026-12-04T20:09:51+01:00\"", "\" 2026-12-04T20:09:51Z \"", "\"+10000-01-01T00:00:00Z\"", "1733342991",
                "1733342991.5", "\"1733342991\"", "null", "\"\"")) {
            String json = "{\"at\":" + at + "}";
            assertEquals(REFERENCE.readValue(json, MAP), Json.mapper().readValue(json, MAP), json);
        }
        for (String at : List.of("\"2026-02-30T00:00:00Z\"", "\"2026-12-04T20:60:00Z\"", "\"2026-12-04 20:09:51Z\"", "\"yesterday\"",
                "true", "[1,2]")) {
            String json = "{\"at\":" + at + "}";
            assertThrows(JsonMappingException.class, () -> REFERENCE.readValue(json, MAP), json);
            assertThrows(JsonMappingException.class, () -> Json.mapper().readValue(json, MAP), json);
        }
    }

    @Test
    void theValuesThatCarryInstantsRoundTrip() {
        Instant created = Instant.parse("2026-12-04T20:09:51.123456Z");
        AnnotatedValue value = AnnotatedValue.builder().id("v1").pipeline("p").task("imageInput").output("droppedFile").type("image")
                .data("data:image/png;base64,AA==").mediaType("image/png").size(1).createdAt(created).build();
        assertEquals(value, Json.fromBytes(Json.toBytes(value), AnnotatedValue.class));
        assertEquals(created, Json.fromBytes(Json.toBytes(value), AnnotatedValue.class).createdAt());

        StatusEvent event = new StatusEvent("predict", TaskState.SUCCEEDED, "ok", null, Map.of("done", 3L), created, Map.of(),
                "replica-1", Instant.parse("2026-12-04T20:09:52.5Z"));
        assertEquals(event, Json.fromBytes(Json.toBytes(event), StatusEvent.class));
        assertNull(read(Json.mapper(), "{\"at\":null}"));
    }

    private static Instant read(ObjectMapper mapper, String json) {
        try {
            return mapper.readValue(json, MAP).get("at");
        } catch (IOException e) {
            throw new AssertionError(json + ": " + e.getMessage(), e);
        }
    }
}
