package dev.tffashion.pipeline.kafka;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

import org.apache.kafka.common.header.Headers;

import dev.tffashion.pipeline.AnnotatedValue;

/**
 * CloudEvents 1.0 Kafka binary-mode headers of an annotated value ({@code ce_specversion}, {@code ce_id}, {@code ce_source} =
 * {@code /<pipeline>/<task>/<output>}, {@code ce_type}, {@code ce_time}, {@code content-type}), so CloudEvents-aware tools read the
 * records as events whose data is the annotated value.
 */
public final class CloudEventHeaders {

    public static final String SPEC_VERSION = "ce_specversion";
    public static final String ID = "ce_id";
    public static final String SOURCE = "ce_source";
    public static final String TYPE = "ce_type";
    public static final String TIME = "ce_time";
    public static final String CONTENT_TYPE = "content-type";

    /** Prefix of the CloudEvents type: {@code dev.tffashion.<value type>}. */
    public static final String TYPE_PREFIX = "dev.tffashion.";

    private CloudEventHeaders() {
    }

    /** The headers for a value, in a stable order. */
    public static Map<String, String> of(AnnotatedValue value) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put(SPEC_VERSION, "1.0");
        headers.put(ID, value.id());
        headers.put(SOURCE, "/" + value.pipeline() + "/" + value.task() + "/" + value.output());
        headers.put(TYPE, TYPE_PREFIX + value.type());
        headers.put(TIME, value.createdAt().toString());
        headers.put(CONTENT_TYPE, "application/json");
        return headers;
    }

    /** Adds the headers of a value to a Kafka record's headers. */
    public static Headers addTo(Headers headers, AnnotatedValue value) {
        of(value).forEach((k, v) -> headers.add(k, v.getBytes(StandardCharsets.UTF_8)));
        return headers;
    }
}
