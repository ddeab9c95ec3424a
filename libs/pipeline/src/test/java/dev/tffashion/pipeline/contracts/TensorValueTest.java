package dev.tffashion.pipeline.contracts;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;

import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.tffashion.pipeline.AnnotatedValue;
import dev.tffashion.pipeline.MalformedValueException;
import dev.tffashion.pipeline.kafka.ValueRecords;
import dev.tffashion.pipeline.store.ContentStore;
import dev.tffashion.pipeline.store.Contents;

class TensorValueTest {

    @TempDir
    Path dir;

    static float[] pixels() {
        float[] pixels = new float[28 * 28];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (i % 255) / 255f;
        }
        return pixels;
    }

    static TensorValue sample() {
        return TensorValue.ofImage("tf-fashion", "img-1", pixels(), new int[] {28, 28}, "shirt.png",
            Map.of("sourceFormat", "PNG"));
    }

    @Test
    void roundTripsThroughTheWireAsTheSameTensor() {
        ContentStore store = ContentStore.atFolder(dir);
        TensorValue tensor = sample();
        AnnotatedValue value = tensor.toValue(store);
        assertEquals("application/x-tensor; dtype=float32; shape=28,28; byte-order=little-endian", value.mediaType());
        assertEquals(28 * 28 * 4, value.size());

        TensorValue read = TensorValue.from(Wire.roundTrip(value), store);

        assertEquals(tensor, read);
        assertArrayEquals(pixels(), read.values());
        assertEquals("img-1", read.imageId());
        assertEquals(TensorValue.idOf("img-1"), read.id());
        assertEquals("shirt.png", read.fileName());
        assertEquals(null, read.previewPng(), "the preview is made on request, never carried");
        assertEquals("PNG", read.annotations().get("sourceFormat"));
    }

    @Test
    void theDataIsFloat32LittleEndian() {
        TensorValue tensor = new TensorValue("t", "p", null, new int[] {1}, TensorValue.littleEndian(new float[] {1f}), Map.of(), null);
        assertArrayEquals(new byte[] {0, 0, (byte) 0x80, 0x3f}, tensor.data());
    }

    @Test
    void refusesJsonContentSayingWhatATensorIs() {
        ContentStore store = ContentStore.atFolder(dir);
        AnnotatedValue json = sample().toValue(store).toBuilder()
            .content(Contents.inline("{\"shape\":[5]}".getBytes(StandardCharsets.UTF_8), "application/json")).build();
        var e = assertThrows(MalformedValueException.class, () -> TensorValue.from(json, store));
        assertTrue(e.getMessage().contains("application/x-tensor; dtype=float32; shape=28,28"), e.getMessage());
    }

    @Test
    void refusesContentThatDoesNotFitItsShape() {
        ContentStore store = ContentStore.atFolder(dir);
        AnnotatedValue shortOne = sample().toValue(store).toBuilder()
            .content(Contents.inline(new byte[20], TensorValue.mediaType(28, 28))).build();
        var e = assertThrows(MalformedValueException.class, () -> TensorValue.from(shortOne, store));
        assertTrue(e.getMessage().contains("shape [28,28] needs 784 float32 values (3136 bytes), but the content has 20 bytes"),
            e.getMessage());
    }

    @Test
    void refusesNonFiniteValuesAndOtherDtypes() {
        ContentStore store = ContentStore.atFolder(dir);
        AnnotatedValue nan = sample().toValue(store).toBuilder()
            .content(Contents.inline(TensorValue.littleEndian(new float[] {0f, Float.NaN}), TensorValue.mediaType(2))).build();
        assertTrue(assertThrows(MalformedValueException.class, () -> TensorValue.from(nan, store)).getMessage()
            .contains("value 1 is NaN"));
        AnnotatedValue doubles = nan.toBuilder().mediaType("application/x-tensor; dtype=float64; shape=1; byte-order=little-endian")
            .build();
        assertTrue(assertThrows(MalformedValueException.class, () -> TensorValue.from(doubles, store)).getMessage()
            .contains("dtype 'float64' is not supported"));
    }

    @Test
    void readsARawTensorRecordStraightFromItsHeadersAndValues() {
        ContentStore store = ContentStore.atFolder(dir);
        TensorValue tensor = sample();
        RecordHeaders headers = new RecordHeaders();
        byte[] payload = ValueRecords.encode(tensor.toValue(store), headers);

        TensorValue read = TensorValue.fromRecord(headers, payload, store);

        assertEquals(tensor, read);
        assertEquals(TensorValue.from(ValueRecords.decode(headers, payload), store), read, "the same tensor as through the value");
        assertEquals("shirt.png", read.fileName());
        assertEquals("img-1", read.imageId());
    }

    @Test
    void refusesARawTensorRecordWhoseValuesDoNotMatchTheirChecksum() {
        ContentStore store = ContentStore.atFolder(dir);
        RecordHeaders headers = new RecordHeaders();
        byte[] payload = ValueRecords.encode(sample().toValue(store), headers);
        payload[100] ^= 1;

        var e = assertThrows(MalformedValueException.class, () -> TensorValue.fromRecord(headers, payload, store));
        assertTrue(e.getMessage().contains("do not match their checksum"), e.getMessage());
    }

    @Test
    void aRecordWithoutItsEnvelopeHeadersIsReadAsAJsonValueOrRefusedSayingWhy() {
        ContentStore store = ContentStore.atFolder(dir);
        TensorValue tensor = sample();
        byte[] json = dev.tffashion.pipeline.Json.toBytes(tensor.toValue(store));
        assertEquals(tensor, TensorValue.fromRecord(new RecordHeaders(), json, store));
        var e = assertThrows(MalformedValueException.class, () -> TensorValue.fromRecord(new RecordHeaders(), new byte[0], store));
        assertTrue(e.getMessage().contains("empty"), e.getMessage());
    }
}
