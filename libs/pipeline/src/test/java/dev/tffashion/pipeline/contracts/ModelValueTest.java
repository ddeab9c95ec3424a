package dev.tffashion.pipeline.contracts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.tffashion.pipeline.MalformedValueException;
import dev.tffashion.pipeline.store.ContentStore;
import dev.tffashion.pipeline.store.Contents;

class ModelValueTest {

    @TempDir
    Path dir;

    @Test
    void roundTripsThroughTheWireWithItsServingSignature() {
        ContentStore store = ContentStore.atFolder(dir);
        var signature = new ModelValue.ServingSignature("serving_default", null, "images", List.of(-1L, 28L, 28L), "probabilities");
        Map<String, String> annotations = new LinkedHashMap<>(ModelValue.servingAnnotations(signature));
        annotations.put(ModelValue.TEST_ACCURACY, "0.8812");
        ModelValue model = new ModelValue("model-1", "tf-fashion", "recipe-1", store.put(new byte[70_000], Contents.TAR), annotations,
            Instant.parse("2026-12-02T10:00:00Z"));

        ModelValue read = ModelValue.from(Wire.roundTrip(model.toValue()));

        assertEquals(model, read);
        assertEquals(signature, read.signature());
        assertEquals("0.8812", read.testAccuracy());
        assertEquals(ModelValue.EVALUATION_SAMPLES, read.annotations().get(ModelValue.EVALUATION_SAMPLES_ANNOTATION));
    }

    @Test
    void refusesAModelThatIsNotAnArchive() {
        ContentStore store = ContentStore.atFolder(dir);
        var value = new ModelValue("m", "tf-fashion", "r", store.put(new byte[10], Contents.TAR), Map.of(), null).toValue()
            .toBuilder().mediaType("application/zip").build();
        assertThrows(MalformedValueException.class, () -> ModelValue.from(value));
    }
}
