package dev.tffashion.pipeline.contracts.replay;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;

import dev.tffashion.pipeline.Json;
import dev.tffashion.pipeline.ValueIds;

/**
 * A replay request, the body of {@code POST /v1/replay} and the value on {@code <pipeline>.replay.request} (key: {@link #id()}):
 * re-predict past images with the model version {@code toVersion}. Either {@code {"version": 2, "since": "...", "until": "..."}}
 * (the images whose current prediction was made in {@code [since, until)}, both optional, ISO-8601 instants), or
 * {@code {"fromVersion": 1, "toVersion": 2}} (the images whose current prediction was made by version 1). The id is derived
 * from these fields alone, so the same body twice is the same replay, and the second changes nothing.
 *
 * @param fromVersion the version whose predictions are replayed, or null for the time-window form
 * @param since       the window's start (inclusive), or null
 * @param until       the window's end (exclusive), or null
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ReplayRequest(String id, long toVersion, Long fromVersion, Instant since, Instant until) {

    private static final Set<String> FIELDS = Set.of("version", "since", "until", "fromVersion", "toVersion");
    private static final String FORMS = "send {\"version\": 2, \"since\": \"2026-12-01T00:00:00Z\", \"until\": \"2026-12-02T00:00:00Z\"}"
        + " (since and until optional) or {\"fromVersion\": 1, \"toVersion\": 2}";

    public ReplayRequest {
        if (toVersion < 1) {
            throw new InvalidReplayRequestException("the version to replay with must be 1 or more, got " + toVersion, FORMS);
        }
        if (fromVersion != null && (since != null || until != null)) {
            throw new InvalidReplayRequestException("a replay names either fromVersion or a time window, not both", FORMS);
        }
        if (fromVersion != null && fromVersion < 1) {
            throw new InvalidReplayRequestException("fromVersion must be 1 or more, got " + fromVersion, FORMS);
        }
        if (fromVersion != null && fromVersion == toVersion) {
            throw new InvalidReplayRequestException("fromVersion and toVersion are both " + toVersion + ": nothing would change",
                "name two different versions");
        }
        if (since != null && until != null && !since.isBefore(until)) {
            throw new InvalidReplayRequestException("since (" + since + ") must be before until (" + until + ")",
                "swap them, or leave one out");
        }
        String derived = idOf(toVersion, fromVersion, since, until);
        if (id != null && !id.equals(derived)) {
            throw new InvalidReplayRequestException("replay id " + id + " does not match its fields (expected " + derived + ")",
                "let the id be derived: leave it out");
        }
        id = derived;
    }

    /** The time-window form. */
    public static ReplayRequest window(long version, Instant since, Instant until) {
        return new ReplayRequest(null, version, null, since, until);
    }

    /** The version-to-version form. */
    public static ReplayRequest between(long fromVersion, long toVersion) {
        return new ReplayRequest(null, toVersion, fromVersion, null, null);
    }

    /**
     * Reads the body of {@code POST /v1/replay}.
     *
     * @throws InvalidReplayRequestException saying what is wrong and what to send
     */
    public static ReplayRequest parse(byte[] body) {
        if (body == null || body.length == 0) {
            throw new InvalidReplayRequestException("the request has no body", FORMS);
        }
        JsonNode node;
        try {
            node = Json.mapper().readTree(body);
        } catch (JsonProcessingException e) {
            throw new InvalidReplayRequestException("the body is not JSON: " + e.getOriginalMessage(), FORMS);
        } catch (java.io.IOException e) {
            throw new InvalidReplayRequestException("the body cannot be read: " + e.getMessage(), FORMS);
        }
        if (node == null || !node.isObject()) {
            throw new InvalidReplayRequestException("the body must be a JSON object", FORMS);
        }
        List<String> unknown = new ArrayList<>();
        for (Iterator<String> names = node.fieldNames(); names.hasNext();) {
            String name = names.next();
            if (!FIELDS.contains(name)) {
                unknown.add(name);
            }
        }
        if (!unknown.isEmpty()) {
            throw new InvalidReplayRequestException("unknown field(s) " + unknown + "; a replay takes version, since, until, "
                + "fromVersion and toVersion", FORMS);
        }
        Long version = version(node, "version");
        Long from = version(node, "fromVersion");
        Long to = version(node, "toVersion");
        Instant since = instant(node, "since");
        Instant until = instant(node, "until");
        if (version != null) {
            if (from != null || to != null) {
                throw new InvalidReplayRequestException("a replay names either version (with since and until) or fromVersion and "
                    + "toVersion, not both", FORMS);
            }
            return window(version, since, until);
        }
        if (from == null || to == null) {
            throw new InvalidReplayRequestException(from == null && to == null ? "the body names no version"
                : "fromVersion and toVersion go together; the body has only " + (from == null ? "toVersion" : "fromVersion"), FORMS);
        }
        if (since != null || until != null) {
            throw new InvalidReplayRequestException("since and until go with version, not with fromVersion and toVersion", FORMS);
        }
        return between(from, to);
    }

    /** The same request as JSON (the record on the request topic). */
    public byte[] toJson() {
        return Json.toBytes(this);
    }

    /** Reads a request record; checks the id against the fields. */
    public static ReplayRequest fromJson(byte[] json) {
        return Json.fromBytes(json, ReplayRequest.class);
    }

    /** For logs, status and the UI: {@code v1 -> v2} or {@code v2 for 2026-12-01T00:00:00Z .. now}. */
    public String describe() {
        if (fromVersion != null) {
            return "v" + fromVersion + " -> v" + toVersion;
        }
        return "v" + toVersion + " for " + (since == null ? "the beginning" : since) + " .. " + (until == null ? "now" : until);
    }

    /** Whether a current prediction, made by {@code version} and written at {@code time}, is one this replay re-predicts. */
    public boolean selects(long version, Instant time) {
        if (fromVersion != null) {
            return version == fromVersion;
        }
        return (since == null || !time.isBefore(since)) && (until == null || time.isBefore(until));
    }

    /** The id of a replay: a hash of its canonical fields (32 hex characters). */
    public static String idOf(long toVersion, Long fromVersion, Instant since, Instant until) {
        String canonical = fromVersion != null ? "from=" + fromVersion + "\nto=" + toVersion
            : "version=" + toVersion + "\nsince=" + (since == null ? "" : since) + "\nuntil=" + (until == null ? "" : until);
        return ValueIds.derived("replay", "request", canonical);
    }

    /**
     * The id of the prediction a replay makes of a tensor: {@code ValueIds.derived("replay", "prediction", replayId, tensorId)}. The
     * tensor id is itself derived from the image id, so a replay of an image always yields the same value id.
     */
    public static String predictionId(String replayId, String tensorId) {
        return ValueIds.derived("replay", "prediction", replayId, tensorId);
    }

    private static Long version(JsonNode node, String field) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isIntegralNumber() || !value.canConvertToLong()) {
            throw new InvalidReplayRequestException(field + " must be a whole number (a model version such as 2), got " + value,
                FORMS);
        }
        if (value.asLong() < 1) {
            throw new InvalidReplayRequestException(field + " must be 1 or more, got " + value, "model versions start at 1");
        }
        return value.asLong();
    }

    private static Instant instant(JsonNode node, String field) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isTextual()) {
            throw new InvalidReplayRequestException(field + " must be an ISO-8601 instant in quotes, such as "
                + "\"2026-12-01T00:00:00Z\", got " + value, FORMS);
        }
        try {
            return Instant.parse(value.asText());
        } catch (DateTimeParseException e) {
            throw new InvalidReplayRequestException(field + " '" + value.asText() + "' is not an ISO-8601 instant",
                "write it as 2026-12-01T00:00:00Z (UTC, with the Z)");
        }
    }
}
