package dev.tffashion.pipeline.contracts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.tffashion.pipeline.AnnotatedValue;
import dev.tffashion.pipeline.store.ContentStore;

class PredictionValueTest {

    @TempDir
    Path dir;

    static PredictionValue sample() {
        List<PredictionValue.ClassProbability> probabilities = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            probabilities.add(new PredictionValue.ClassProbability(i, "class " + i, i == 7 ? 0.91f : 0.01f));
        }
        var content = new PredictionValue.Content(7, "class 7", 0.91f, probabilities, false,
            new PredictionValue.Model("fashion", 3, "serving_default"));
        return PredictionValue.of("tf-fashion", "tensor-1", "img-1", "endpoint-1", content);
    }

    @Test
    void roundTripsThroughTheWire() {
        ContentStore store = ContentStore.atFolder(dir);
        PredictionValue prediction = sample();
        AnnotatedValue value = prediction.toValue(store);

        assertEquals(PredictionValue.idOf("tensor-1", "fashion", 3), value.id());
        assertEquals(List.of("tensor-1"), value.sourceIds("tensor"));
        assertEquals(List.of("img-1"), value.sourceIds("image"));
        assertEquals(List.of("endpoint-1"), value.sourceIds("endpoint"));
        assertEquals("class 7", value.annotation(PredictionValue.CLASS_NAME));
        assertEquals("3", value.annotation(PredictionValue.MODEL_VERSION));

        assertEquals(prediction, PredictionValue.from(Wire.roundTrip(value), store));
    }

    @Test
    void carriesNeitherThePreviewNorTheProbabilitiesAsAnnotations() {
        AnnotatedValue value = sample().toValue(ContentStore.atFolder(dir));
        assertNull(value.annotation(TensorValue.PREVIEW_PNG));
        assertNull(value.annotation(TensorValue.FILE_NAME));
        assertFalse(value.annotations().containsKey("probabilities"));
    }
}
