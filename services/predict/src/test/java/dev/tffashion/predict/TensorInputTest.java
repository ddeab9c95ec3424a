package dev.tffashion.predict;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.tffashion.pipeline.AnnotatedValue;
import dev.tffashion.pipeline.contracts.TensorValue;
import dev.tffashion.pipeline.kafka.ValueRecords;
import dev.tffashion.pipeline.store.ContentStore;

class TensorInputTest {

    @TempDir
    Path dir;

    @Test
    void readsATensorRecordAndHandsOverItsRawLittleEndianBytes() {
        AnnotatedValue value = TestValues.tensor("img-1", 7);
        RecordHeaders headers = new RecordHeaders();
        byte[] record = ValueRecords.encode(value, headers);

        TensorInput input = TensorInput.parse(value.id(), headers, record, store());

        assertEquals(value.id(), input.tensorId());
        assertEquals(List.of("img-1"), input.imageIds());
        assertArrayEquals(new int[] {28, 28}, input.shape());
        assertArrayEquals(TestValues.pixels(7, 784), input.values());
        assertArrayEquals(record, input.data(), "the record's value is the tensor's bytes, as TF Serving takes them");
        assertArrayEquals(TensorValue.littleEndian(TestValues.pixels(7, 784)), input.data());
    }

    @Test
    void readsATensorFromTheContentStore() {
        ContentStore store = store();
        byte[] data = TensorValue.littleEndian(new float[] {0, 0.25f, 0.5f, 1});
        AnnotatedValue value = TestValues.tensor("img-2", 1).toBuilder().content(store.put(data, TensorValue.mediaType(2, 2))).build();
        assertArrayEquals(new float[] {0, 0.25f, 0.5f, 1}, TensorInput.of(value, store).values());
    }

    @Test
    void refusesRecordsThatAreNotAnnotatedValues() {
        var e = assertThrows(RejectedInputException.class,
            () -> TensorInput.parse("k", "not json at all".getBytes(StandardCharsets.UTF_8), store()));
        assertTrue(e.getMessage().contains("not an annotated value"), e.getMessage());
        assertThrows(RejectedInputException.class, () -> TensorInput.parse("k", null, store()));
        var jsonNull = assertThrows(RejectedInputException.class,
            () -> TensorInput.parse("k", "null".getBytes(StandardCharsets.UTF_8), store()));
        assertTrue(jsonNull.getMessage().contains("JSON null"), jsonNull.getMessage());
        assertThrows(RejectedInputException.class, () -> TensorInput.parse("k", new byte[0], store()));
        RecordHeaders headers = new RecordHeaders();
        ValueRecords.encode(TestValues.tensor("img-0", 1), headers);
        headers.remove(ValueRecords.TF_SHA256);
        var noHeader = assertThrows(RejectedInputException.class, () -> TensorInput.parse("k", headers, new byte[3136], store()));
        assertTrue(noHeader.getMessage().contains("tf_sha256"), noHeader.getMessage());
    }

    @Test
    void refusesOtherValueTypesAndMalformedContent() {
        AnnotatedValue tensor = TestValues.tensor("img-3", 3);
        var wrongType = assertThrows(RejectedInputException.class,
            () -> TensorInput.of(tensor.toBuilder().type("imageFile").build(), store()));
        assertTrue(wrongType.getMessage().contains("imageFile"), wrongType.getMessage());

        assertRejected(tensor, TensorValue.mediaType(2, 2), new byte[12], "needs 4 float32 values (16 bytes)");
        assertRejected(tensor, "application/x-tensor; dtype=uint8; shape=2,2; byte-order=little-endian", new byte[4], "dtype 'uint8'");
        assertRejected(tensor, "application/x-tensor; dtype=float32; byte-order=little-endian", new byte[4], "states no shape");
        assertRejected(tensor, "application/x-tensor; dtype=float32; shape=2,-2; byte-order=little-endian", new byte[16],
            "positive whole numbers");
        assertRejected(tensor, TensorValue.mediaType(2), TensorValue.littleEndian(new float[] {1, Float.POSITIVE_INFINITY}), "value 1");
        assertRejected(tensor, "application/json", "{\"shape\":[2]}".getBytes(StandardCharsets.UTF_8), "raw float32 little-endian");
        assertRejected(tensor, TensorValue.mediaType(100000, 100000), new byte[4], "more than");
    }

    @Test
    void refusesContentWhoseChecksumDiffers() {
        AnnotatedValue tampered = TestValues.tensor("img-4", 4).toBuilder().sha256("0".repeat(64)).build();
        var e = assertThrows(RejectedInputException.class, () -> TensorInput.of(tampered, store()));
        assertTrue(e.getMessage().contains("sha256"), e.getMessage());
    }

    private void assertRejected(AnnotatedValue template, String mediaType, byte[] bytes, String expected) {
        AnnotatedValue value = TestValues.withContent(template, mediaType, bytes);
        var e = assertThrows(RejectedInputException.class, () -> TensorInput.of(value, store()));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
        assertTrue(e.getMessage().contains(value.id()), e.getMessage());
    }

    private ContentStore store() {
        return ContentStore.atFolder(dir);
    }
}
