package dev.tffashion.predict;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.tffashion.pipeline.AnnotatedValue;
import dev.tffashion.pipeline.Json;
import dev.tffashion.pipeline.store.ContentStore;
import dev.tffashion.pipeline.store.Contents;

class TensorInputTest {

    @TempDir
    Path dir;

    @Test
    void readsAnInlineTensorValue() {
        AnnotatedValue value = TestValues.tensor("img-1", 7);
        TensorInput input = TensorInput.parse(value.id(), Json.toBytes(value), store());
        assertEquals(value.id(), input.tensorId());
        assertEquals(List.of("img-1"), input.imageIds());
        assertArrayEquals(new int[] {28, 28}, input.shape());
        assertArrayEquals(TestValues.pixels(7, 784), input.values());
    }

    @Test
    void readsATensorFromTheContentStore() {
        ContentStore store = store();
        byte[] json = "{\"shape\":[2,2],\"dtype\":\"float32\",\"values\":[0,0.25,0.5,1]}".getBytes(StandardCharsets.UTF_8);
        AnnotatedValue value = TestValues.tensor("img-2", 1).toBuilder().content(store.put(json, "application/json")).build();
        TensorInput input = TensorInput.of(value, store);
        assertArrayEquals(new float[] {0, 0.25f, 0.5f, 1}, input.values());
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
        assertThrows(RejectedInputException.class, () -> TensorInput.parse("k", "{\"id\":\"x\"}".getBytes(StandardCharsets.UTF_8),
            store()));
    }

    @Test
    void refusesOtherValueTypesAndMalformedContent() {
        AnnotatedValue tensor = TestValues.tensor("img-3", 3);
        var wrongType = assertThrows(RejectedInputException.class,
            () -> TensorInput.of(tensor.toBuilder().type("imageFile").build(), store()));
        assertTrue(wrongType.getMessage().contains("imageFile"), wrongType.getMessage());

        assertRejected(tensor, "{\"shape\":[2,2],\"values\":[1,2,3]}", "needs 4 values");
        assertRejected(tensor, "{\"shape\":[2,2],\"dtype\":\"uint8\",\"values\":[1,2,3,4]}", "dtype 'uint8'");
        assertRejected(tensor, "{\"values\":[1,2,3,4]}", "no \"shape\"");
        assertRejected(tensor, "{\"shape\":[2,-2],\"values\":[1,2,3,4]}", "positive whole numbers");
        assertRejected(tensor, "{\"shape\":[2,2],\"values\":[1,2,\"x\",4]}", "value 2");
        assertRejected(tensor, "[1,2]", "not a JSON object");
        assertRejected(tensor, "{\"shape\":[100000,100000],\"values\":[]}", "more than");
    }

    @Test
    void refusesContentWhoseChecksumDiffers() {
        AnnotatedValue tensor = TestValues.tensor("img-4", 4);
        AnnotatedValue tampered = tensor.toBuilder().sha256("0".repeat(64)).build();
        var e = assertThrows(RejectedInputException.class, () -> TensorInput.of(tampered, store()));
        assertTrue(e.getMessage().contains("sha256"), e.getMessage());
    }

    private void assertRejected(AnnotatedValue template, String json, String expected) {
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        AnnotatedValue value = template.toBuilder().data(Contents.dataUri("application/json", bytes)).size(bytes.length).sha256(null)
            .build();
        var e = assertThrows(RejectedInputException.class, () -> TensorInput.of(value, store()));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
        assertTrue(e.getMessage().contains(value.id()), e.getMessage());
    }

    private ContentStore store() {
        return ContentStore.atFolder(dir);
    }
}
