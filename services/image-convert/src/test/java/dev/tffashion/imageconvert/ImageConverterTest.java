package dev.tffashion.imageconvert;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.tffashion.imaging.ModelInput;
import dev.tffashion.pipeline.AnnotatedValue;
import dev.tffashion.pipeline.contracts.TensorValue;
import dev.tffashion.pipeline.store.ContentStore;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The tensor value image-convert writes: every float crosses bit-exact, with the notes and the file name, and no preview. */
class ImageConverterTest {

    @TempDir
    Path dir;

    @Test
    void everyByteLevelAndManyOthersRoundTripBitExact() {
        float[] pixels = new float[784];
        for (int i = 0; i < 256; i++) pixels[i] = i / 255f;
        Random random = new Random(1);
        for (int i = 256; i < 784; i++) pixels[i] = random.nextFloat();
        pixels[783] = 1e-7f;
        ModelInput input = new ModelInput(pixels, Map.of(ModelInput.Notes.SOURCE_FORMAT, "PNG"));
        ContentStore store = ContentStore.atFolder(dir);

        AnnotatedValue value = TensorValue.ofImage("tf-fashion", "img-1", input.pixels(), new int[] {28, 28}, "shirt.png",
            input.notes()).toValue(store);
        TensorValue read = TensorValue.from(value, store);

        assertEquals(TensorValue.mediaType(28, 28), value.mediaType());
        assertArrayEquals(pixels, read.values(), 0f);
        assertNull(read.previewPng(), "the preview is rendered on request, not carried");
        assertEquals("shirt.png", read.fileName());
        assertEquals("PNG", read.annotations().get(ModelInput.Notes.SOURCE_FORMAT));
        assertEquals(TensorValue.idOf("img-1"), value.id());
    }
}
