package dev.tffashion.imageconvert;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tffashion.pipeline.Json;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The tensor content: every float written so that predict's reader ((float) parsed double) gets it back exactly. */
class ImageConverterTest {

    @Test
    void everyByteLevelAndManyOthersRoundTripThroughTheJson() throws Exception {
        float[] pixels = new float[784];
        for (int i = 0; i < 256; i++) pixels[i] = i / 255f;
        Random random = new Random(1);
        for (int i = 256; i < 784; i++) pixels[i] = random.nextFloat();
        pixels[783] = 1e-7f;
        ImageTensor tensor = new ImageTensor(pixels, 28, 28, new byte[0], Map.of());
        JsonNode json = Json.mapper().readTree(ImageConverter.contentJson(tensor));
        assertEquals("[28,28]", json.get("shape").toString());
        assertEquals("float32", json.get("dtype").asText());
        for (int i = 0; i < 784; i++) {
            assertEquals(pixels[i], (float) json.get("values").get(i).asDouble(), 0f, "value " + i);
        }
    }
}
