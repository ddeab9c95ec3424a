package dev.tffashion.pipeline.kafka;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

import dev.tffashion.pipeline.AnnotatedValue;
import dev.tffashion.pipeline.Json;
import dev.tffashion.pipeline.MalformedValueException;
import dev.tffashion.pipeline.SourceInput;
import dev.tffashion.pipeline.store.Contents;

class ValueRecordsTest {

    private static final String TENSOR_TYPE = "application/x-tensor; dtype=float32; shape=2; byte-order=little-endian";
    private static final byte[] TWO_FLOATS = {0, 0, (byte) 0x80, 0x3f, 0, 0, 0, 0x40};

    static AnnotatedValue json() {
        return AnnotatedValue.builder().id("abc").pipeline("tf-fashion").task("predict").output("prediction").type("prediction")
            .content(Contents.inline("{}".getBytes(StandardCharsets.UTF_8), "application/json"))
            .sourceInput("tensor", "t-1").sourceInput("image", "img-1").createdAt(Instant.parse("2026-11-26T10:15:30Z"))
            .annotation("className", "Shirt").build();
    }

    static AnnotatedValue tensor() {
        return AnnotatedValue.builder().id("t-1").pipeline("tf-fashion").task("imageConvert").output("tensor").type("tensor")
            .content(Contents.inline(TWO_FLOATS, TENSOR_TYPE)).sourceInput("image", "img-1")
            .createdAt(Instant.parse("2026-11-26T10:15:30Z")).annotation("fileName", "shirt, blue.png").build();
    }

    @Test
    void aJsonValueCarriesItsEnvelopeInHeadersAndRoundTrips() {
        RecordHeaders headers = new RecordHeaders();
        byte[] payload = ValueRecords.encode(json(), headers);

        assertEquals(json(), Json.fromBytes(payload, AnnotatedValue.class));
        assertEquals("application/json", CloudEventHeaders.text(headers, CloudEventHeaders.CONTENT_TYPE));
        assertEquals("prediction", CloudEventHeaders.text(headers, CloudEventHeaders.TF_TYPE));
        assertEquals("[{\"input\":\"tensor\",\"ids\":[\"t-1\"]},{\"input\":\"image\",\"ids\":[\"img-1\"]}]",
            CloudEventHeaders.text(headers, CloudEventHeaders.TF_SOURCES));
        assertEquals(json(), ValueRecords.decode(headers, payload));
    }

    @Test
    void aTensorTravelsAsItsRawBytesWithTheRestInPrintableHeaders() {
        RecordHeaders headers = new RecordHeaders();
        byte[] payload = ValueRecords.encode(tensor(), headers);

        assertArrayEquals(TWO_FLOATS, payload);
        assertEquals(TENSOR_TYPE, CloudEventHeaders.text(headers, CloudEventHeaders.CONTENT_TYPE));
        for (Header header : headers) {
            String text = new String(header.value(), StandardCharsets.UTF_8);
            assertTrue(text.chars().allMatch(c -> c >= 0x20 && c < 0x7f), header.key() + " is not printable: " + text);
        }
        assertEquals(tensor(), ValueRecords.decode(headers, payload));
    }

    @Test
    void theEnvelopeComesFromHeadersAlone() {
        RecordHeaders headers = new RecordHeaders();
        ValueRecords.encode(tensor(), headers);

        ValueEnvelope envelope = ValueRecords.envelope(headers).orElseThrow();

        assertEquals(new ValueEnvelope("t-1", "tensor", "tf-fashion", "imageConvert", "tensor", Instant.parse("2026-11-26T10:15:30Z"),
            List.of(SourceInput.of("image", "img-1"))), envelope);
        assertEquals(List.of("img-1"), envelope.sourceIds("image"));
        assertEquals(Optional.empty(), ValueRecords.envelope(new RecordHeaders()));
    }

    @Test
    void encodingTwiceReplacesTheHeaders() {
        RecordHeaders headers = new RecordHeaders();
        ValueRecords.encode(json(), headers);
        ValueRecords.encode(json(), headers);
        assertEquals(CloudEventHeaders.of(json()).size(), headers.toArray().length);
    }

    @Test
    void aRawTensorWithoutItsHeadersIsMalformedWithTheReason() {
        RecordHeaders headers = new RecordHeaders();
        byte[] payload = ValueRecords.encode(tensor(), headers);
        headers.remove(ValueRecords.TF_SHA256);
        var e = assertThrows(MalformedValueException.class, () -> ValueRecords.decode(headers, payload));
        assertTrue(e.getMessage().contains("no 'tf_sha256' header"), e.getMessage());

        RecordHeaders empty = new RecordHeaders();
        ValueRecords.encode(tensor(), empty);
        assertTrue(assertThrows(MalformedValueException.class, () -> ValueRecords.decode(empty, new byte[0])).getMessage()
            .contains("has an empty value"));
    }

    @Test
    void tombstonesBlanksAndNonJsonAreMalformed() {
        assertThrows(MalformedValueException.class, () -> ValueRecords.decode(new RecordHeaders(), null));
        assertThrows(MalformedValueException.class, () -> ValueRecords.decode(null, " \n".getBytes(StandardCharsets.UTF_8)));
        assertThrows(MalformedValueException.class, () -> ValueRecords.decode(null, "null".getBytes(StandardCharsets.UTF_8)));
        assertThrows(MalformedValueException.class, () -> ValueRecords.decode(null, "{\"id\":\"x\"}".getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void aMalformedSourceHeaderIsNamed() {
        RecordHeaders headers = new RecordHeaders();
        ValueRecords.encode(json(), headers);
        headers.remove(CloudEventHeaders.TF_SOURCES);
        headers.add(CloudEventHeaders.TF_SOURCES, "[{".getBytes(StandardCharsets.UTF_8));
        var e = assertThrows(MalformedValueException.class, () -> ValueRecords.envelope(headers));
        assertTrue(e.getMessage().contains("tf_sources"), e.getMessage());
    }
}
