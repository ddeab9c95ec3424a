package dev.tffashion.e2e;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** JSON reading for the tests: answers of the HTTP API and record values as trees. */
public final class Jsons {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private Jsons() {
    }

    /** Parses JSON text; not JSON is an IllegalArgumentException naming the start of the text. */
    public static JsonNode read(String json) {
        try {
            return MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not JSON: " + json.substring(0, Math.min(200, json.length())), e);
        }
    }
}
