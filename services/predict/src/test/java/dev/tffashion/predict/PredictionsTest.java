package dev.tffashion.predict;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.tffashion.pipeline.AnnotatedValue;
import dev.tffashion.pipeline.contracts.PredictionValue;
import dev.tffashion.pipeline.store.ContentStore;
import dev.tffashion.tfserving.client.ServingSignature;

class PredictionsTest {

    @TempDir
    Path dir;

    @Test
    void buildsThePredictionValue() {
        ContentStore store = ContentStore.atFolder(dir);
        TensorInput input = TensorInput.of(TestValues.tensor("img-9", 9), store);
        Endpoint endpoint = Endpoint.of(TestValues.endpoint("h:1", "fashion", 2L, null), store);
        ServingSignature model = new ServingSignature("fashion", 2, "serving_default", "images", new long[] {-1, 28, 28}, "probabilities",
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
        assertNull(value.annotation("fileName"), "the file name stays on the tensor");
        assertNull(value.annotation("previewPng"), "the preview stays on the tensor");
        assertNull(value.annotation("probabilities"), "the probabilities are in the content only");

        PredictionValue.Content content = PredictionValue.from(value, store).content();
        assertEquals(6, content.label());
        assertEquals("Shirt", content.className());
        assertEquals(2, content.model().version());
        assertEquals(10, content.probabilities().size());
        assertEquals("Ankle boot", content.probabilities().get(9).className());
        assertEquals(0.55f, content.probabilities().get(6).probability());
    }

    @Test
    void idIsDeterministicPerTensorAndModelVersion() {
        assertEquals(Predictions.id("t1", "fashion", 1), Predictions.id("t1", "fashion", 1));
        assertNotEquals(Predictions.id("t1", "fashion", 1), Predictions.id("t1", "fashion", 2));
        assertNotEquals(Predictions.id("t1", "fashion", 1), Predictions.id("t2", "fashion", 1));
    }
}
