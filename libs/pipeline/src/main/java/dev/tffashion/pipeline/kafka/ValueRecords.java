package dev.tffashion.pipeline.kafka;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import org.apache.kafka.common.header.Headers;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectReader;

import dev.tffashion.pipeline.AnnotatedValue;
import dev.tffashion.pipeline.IsoInstants;
import dev.tffashion.pipeline.Json;
import dev.tffashion.pipeline.MalformedValueException;
import dev.tffashion.pipeline.SourceInput;
import dev.tffashion.pipeline.store.Contents;

/**
 * The wire format of pipeline records, in one place: every writer encodes through {@link #encode}, every reader (task consumers,
 * topic followers, tests, tools) decodes through {@link #decode}, and readers that need only ids and lineage read
 * {@link #envelope} from the headers without touching the payload.
 *
 * <p>Every record carries the envelope headers of {@link CloudEventHeaders}. A value whose content is an inline tensor (media type
 * {@code application/x-tensor; dtype=float32; shape=28,28; byte-order=little-endian}) travels as the tensor's raw bytes, with the
 * rest of the annotated value in headers ({@value #TF_SHA256}, {@value #TF_ANNOTATIONS}, and {@code content-type} = its media type);
 * every other value is a UTF-8 JSON annotated value.
 */
public final class ValueRecords {

    /** Media type (without parameters) of a tensor carried as raw values. */
    public static final String TENSOR_MEDIA_TYPE = "application/x-tensor";
    /** Header of a binary record: the hex SHA-256 of the payload. */
    public static final String TF_SHA256 = "tf_sha256";
    /** Header of a binary record: the value's annotations as a JSON object of strings (absent when there are none). */
    public static final String TF_ANNOTATIONS = "tf_annotations";

    // Readers made once: Json.mapper().readValue(text, typeReference) resolves the generic type again on every call, which was
    // a fifth of reading an envelope's lineage in file-drop's index (JFR).
    private static final ObjectReader SOURCES_READER = Json.mapper().readerFor(new TypeReference<List<SourceInput>>() {
    });
    private static final ObjectReader ANNOTATIONS_READER = Json.mapper().readerFor(new TypeReference<Map<String, String>>() {
    });

    private ValueRecords() {
    }

    /**
     * Writes a value's envelope headers (replacing any earlier ones) and returns the record's payload: the raw tensor for an inline
     * tensor, else the value as UTF-8 JSON. Without headers (a serializer called without them) the payload is always JSON, which
     * {@link #decode} reads as well.
     */
    public static byte[] encode(AnnotatedValue value, Headers headers) {
        if (headers == null) {
            return Json.toBytes(value);
        }
        boolean binary = isBinary(value);
        Map<String, String> envelope = CloudEventHeaders.of(value, binary ? value.mediaType() : "application/json");
        if (binary) {
            envelope.put(TF_SHA256, value.sha256());
            if (!value.annotations().isEmpty()) {
                envelope.put(TF_ANNOTATIONS, Json.toString(value.annotations()));
            }
        }
        envelope.forEach((key, text) -> {
            headers.remove(key);
            headers.add(key, text.getBytes(StandardCharsets.UTF_8));
        });
        return binary ? Contents.decodeDataUri(value.data()) : Json.toBytes(value);
    }

    /** Whether a value travels as raw bytes: an inline tensor whose checksum is known. */
    public static boolean isBinary(AnnotatedValue value) {
        return isTensorMediaType(value.mediaType()) && value.data().startsWith("data:") && value.sha256() != null;
    }

    /** Whether a media type is a raw tensor's, {@code application/x-tensor; ...}. */
    public static boolean isTensorMediaType(String mediaType) {
        return mediaType != null && mediaType.strip().toLowerCase(Locale.ROOT).startsWith(TENSOR_MEDIA_TYPE);
    }

    /**
     * The annotated value a record carries, in either form: a raw tensor with its value in headers, or a JSON annotated value. A
     * record without a value (a tombstone), an empty or blank value, JSON {@code null}, a raw tensor without its envelope headers,
     * or anything else that is not an annotated value raises {@link MalformedValueException} with the reason.
     */
    public static AnnotatedValue decode(Headers headers, byte[] value) {
        if (value == null) {
            throw new MalformedValueException("the record has no value (a tombstone?), not an annotated value");
        }
        String contentType = CloudEventHeaders.text(headers, CloudEventHeaders.CONTENT_TYPE);
        if (isTensorMediaType(contentType)) {
            return decodeTensor(headers, value, contentType);
        }
        if (isBlank(value)) {
            throw new MalformedValueException("the record's value is empty" + (value.length == 0 ? "" : " (white space only)")
                + ", not an annotated value");
        }
        return Json.fromBytes(value, AnnotatedValue.class);
    }

    /**
     * The envelope of a record from its headers alone, or empty when the record has no {@code ce_id} and {@code tf_type} headers
     * (written before the envelope headers existed, or not by the pipeline: decode it instead).
     *
     * @throws MalformedValueException when the headers are there but malformed
     */
    public static Optional<ValueEnvelope> envelope(Headers headers) {
        String id = CloudEventHeaders.text(headers, CloudEventHeaders.ID);
        String type = CloudEventHeaders.text(headers, CloudEventHeaders.TF_TYPE);
        if (id == null || id.isBlank() || type == null || type.isBlank()) {
            return Optional.empty();
        }
        String[] source = source(headers);
        return Optional.of(new ValueEnvelope(id, type, source[0], source[1], source[2], time(headers, false), sources(headers)));
    }

    /** A binary record's annotations, from its {@code tf_annotations} header (empty when absent). */
    public static Map<String, String> annotations(Headers headers) {
        String annotations = CloudEventHeaders.text(headers, TF_ANNOTATIONS);
        return annotations == null ? Map.of() : read(annotations, ANNOTATIONS_READER, TF_ANNOTATIONS);
    }

    private static AnnotatedValue decodeTensor(Headers headers, byte[] payload, String contentType) {
        String id = require(headers, CloudEventHeaders.ID);
        if (payload.length == 0) {
            throw new MalformedValueException("tensor record " + id + " has an empty value; a tensor record carries its raw values ("
                + contentType + ")");
        }
        String[] source = source(headers);
        if (source[0] == null) {
            throw new MalformedValueException("tensor record " + id + " has no " + CloudEventHeaders.SOURCE
                + " header (/<pipeline>/<task>/<output>)");
        }
        String annotations = CloudEventHeaders.text(headers, TF_ANNOTATIONS);
        try {
            return AnnotatedValue.builder().id(id).pipeline(source[0]).task(source[1]).output(source[2])
                .type(require(headers, CloudEventHeaders.TF_TYPE))
                .data(Contents.dataUri(contentType, payload)).mediaType(contentType).size(payload.length)
                .sha256(require(headers, TF_SHA256)).sourceInputs(sources(headers)).createdAt(time(headers, true))
                .annotations(annotations == null ? Map.of() : read(annotations, ANNOTATIONS_READER, TF_ANNOTATIONS))
                .build();
        } catch (IllegalArgumentException e) {
            throw new MalformedValueException("tensor record " + id + " is not an annotated value: " + e.getMessage(), e);
        }
    }

    private static String require(Headers headers, String key) {
        String text = CloudEventHeaders.text(headers, key);
        if (text == null || text.isBlank()) {
            throw new MalformedValueException("the record's value is a raw tensor but it has no '" + key + "' header; a tensor record"
                + " carries its annotated value in the headers " + CloudEventHeaders.ID + ", " + CloudEventHeaders.SOURCE + ", "
                + CloudEventHeaders.TF_TYPE + ", " + TF_SHA256 + " (see ValueRecords)");
        }
        return text;
    }

    /** {@code [pipeline, task, output]} of {@code ce_source = /<pipeline>/<task>/<output>}, or nulls when absent. */
    private static String[] source(Headers headers) {
        String source = CloudEventHeaders.text(headers, CloudEventHeaders.SOURCE);
        if (source == null) {
            return new String[3];
        }
        String[] parts = source.split("/", -1);
        if (parts.length != 4 || !parts[0].isEmpty() || parts[1].isBlank() || parts[2].isBlank() || parts[3].isBlank()) {
            throw new MalformedValueException("header " + CloudEventHeaders.SOURCE + " is '" + source
                + "', expected /<pipeline>/<task>/<output>");
        }
        return new String[] {parts[1], parts[2], parts[3]};
    }

    private static Instant time(Headers headers, boolean required) {
        String time = required ? require(headers, CloudEventHeaders.TIME) : CloudEventHeaders.text(headers, CloudEventHeaders.TIME);
        if (time == null) {
            return null;
        }
        try {
            return IsoInstants.parse(time);
        } catch (DateTimeParseException e) {
            throw new MalformedValueException("header " + CloudEventHeaders.TIME + " is '" + time + "', not an ISO-8601 instant", e);
        }
    }

    private static List<SourceInput> sources(Headers headers) {
        String json = CloudEventHeaders.text(headers, CloudEventHeaders.TF_SOURCES);
        return json == null ? List.of() : read(json, SOURCES_READER, CloudEventHeaders.TF_SOURCES);
    }

    private static <T> T read(String json, ObjectReader reader, String header) {
        try {
            T value = reader.readValue(json);
            if (value == null) {
                throw new MalformedValueException("header " + header + " is JSON null");
            }
            return value;
        } catch (IOException | IllegalArgumentException e) {
            throw new MalformedValueException("header " + header + " is not valid JSON of its kind: " + e.getMessage(), e);
        }
    }

    private static boolean isBlank(byte[] value) {
        for (byte b : value) {
            if (b != ' ' && b != '\t' && b != '\n' && b != '\r') {
                return false;
            }
        }
        return true;
    }
}
