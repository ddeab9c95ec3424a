package dev.tffashion.pipeline.kafka;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

import org.apache.kafka.common.header.Headers;

import dev.tffashion.pipeline.AnnotatedValue;
import dev.tffashion.pipeline.IsoInstants;
import dev.tffashion.pipeline.Json;

/**
 * The envelope headers of every pipeline record: the CloudEvents 1.0 Kafka binary-mode headers ({@code ce_specversion},
 * {@code ce_id}, {@code ce_source} = {@code /<pipeline>/<task>/<output>}, {@code ce_type}, {@code ce_time}, {@code content-type})
 * plus {@code tf_type} (the value type's wire name) and {@code tf_sources} (the lineage as compact JSON), so CloudEvents-aware tools
 * read the records as events, and readers that need only ids and lineage read them without parsing the payload.
 */
public final class CloudEventHeaders {

    public static final String SPEC_VERSION = "ce_specversion";
    public static final String ID = "ce_id";
    public static final String SOURCE = "ce_source";
    public static final String TYPE = "ce_type";
    public static final String TIME = "ce_time";
    public static final String CONTENT_TYPE = "content-type";
    /** The value type's wire name, e.g. {@code tensor}. */
    public static final String TF_TYPE = "tf_type";
    /** The value's lineage, {@code [{"input":"image","ids":["..."]}]}. */
    public static final String TF_SOURCES = "tf_sources";

    /** Prefix of the CloudEvents type: {@code dev.tffashion.<value type>}. */
    public static final String TYPE_PREFIX = "dev.tffashion.";

    private CloudEventHeaders() {
    }

    /** The envelope headers of a value whose record payload has the given content type, in a stable order. */
    public static Map<String, String> of(AnnotatedValue value, String contentType) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put(SPEC_VERSION, "1.0");
        headers.put(ID, value.id());
        headers.put(SOURCE, "/" + value.pipeline() + "/" + value.task() + "/" + value.output());
        headers.put(TYPE, TYPE_PREFIX + value.type());
        headers.put(TIME, IsoInstants.format(value.createdAt()));
        headers.put(CONTENT_TYPE, contentType);
        headers.put(TF_TYPE, value.type());
        headers.put(TF_SOURCES, Json.toString(value.sourceInputs()));
        return headers;
    }

    /** The envelope headers of a value carried as a JSON annotated value. */
    public static Map<String, String> of(AnnotatedValue value) {
        return of(value, "application/json");
    }

    /** Adds the headers of a JSON-encoded value to a Kafka record's headers. */
    public static Headers addTo(Headers headers, AnnotatedValue value) {
        of(value).forEach((k, v) -> headers.add(k, v.getBytes(StandardCharsets.UTF_8)));
        return headers;
    }

    /** The last value of a header as UTF-8 text, or null. */
    public static String text(Headers headers, String key) {
        if (headers == null) {
            return null;
        }
        var header = headers.lastHeader(key);
        return header == null || header.value() == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }
}
