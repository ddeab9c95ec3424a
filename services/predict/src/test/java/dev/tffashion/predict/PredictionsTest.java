package dev.tffashion.predict;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.tffashion.pipeline.AnnotatedValue;
import dev.tffashion.pipeline.Json;
import dev.tffashion.pipeline.store.ContentStore;
import dev.tffashion.pipeline.store.Contents;

class PredictionsTest {

    @TempDir
    Path dir;

    @Test
    void buildsThePredictionValue() {
        ContentStore store = ContentStore.atFolder(dir);
        TensorInput input = TensorInput.of(TestValues.tensor("img-9", 9), store);
        Endpoint endpoint = Endpoint.of(TestValues.endpoint("h:1", "fashion", 2L, null), store);
        ModelSignature model = new ModelSignature("fashion", 2, "serving_default", "images", new long[] {-1, 28, 28}, "probabilities",
            new long[] {-1, 10});
        float[] p = {0.05f, 0.05f, 0.05f, 0.05f, 0.05f, 0.05f, 0.55f, 0.05f, 0.05f, 0.05f};
        AnnotatedValue value = Predictions.value("tf-fashion", input, endpoint, model, Classification.of(p, "fashion v2"), store);

        assertEquals(Predictions.id(input.tensorId(), "fashion", 2), value.id());
        assertEquals("predict", value.task());
        assertEquals("prediction", value.output());
        assertEquals("prediction", value.type());
        assertEquals(List.of(input.tensorId()), value.sourceIds("tensor"));
        assertEquals(List.of("img-9"), value.sourceIds("image"));
        assertEquals(List.of(endpoint.valueId()), value.sourceIds("endpoint"));
        assertEquals("6", value.annotation("label"));
        assertEquals("Shirt", value.annotation("className"));
        assertEquals("0.55", value.annotation("score"));
        assertEquals("fashion", value.annotation("modelName"));
        assertEquals("2", value.annotation("modelVersion"));
        assertEquals("shirt.png", value.annotation("fileName"));
        assertTrue(value.annotation("previewPng").startsWith("data:image/png"));
        var probabilities = Json.fromBytes(value.annotation("probabilities").getBytes(), Predictions.ClassProbability[].class);
        assertEquals(10, probabilities.length);
        assertEquals("Ankle boot", probabilities[9].className());

        Predictions.Content content = Predictions.content(Contents.read(store, value));
        assertEquals(6, content.label());
        assertEquals("Shirt", content.className());
        assertEquals(2, content.model().version());
        assertEquals(0.55f, content.probabilities().get(6).probability());
        assertEquals(input.tensorId(), content.tensorId());
    }

    @Test
    void idIsDeterministicPerTensorAndModelVersion() {
        assertEquals(Predictions.id("t1", "fashion", 1), Predictions.id("t1", "fashion", 1));
        assertNotEquals(Predictions.id("t1", "fashion", 1), Predictions.id("t1", "fashion", 2));
        assertNotEquals(Predictions.id("t1", "fashion", 1), Predictions.id("t2", "fashion", 1));
    }
}
