package dev.tffashion.imaging;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;

/**
 * The preprocessor fits the garment into the gray levels' own array ({@link GarmentFit#of}); the fit must be the one made into
 * a fresh array, which leaves the levels as they were.
 */
class GarmentFitInPlaceTest {

    @Test
    void theFitInPlaceIsTheFitIntoAFreshArray() throws Exception {
        var options = PreprocessorOptions.defaults();
        var photos = SampleImages.ALL.stream().filter(sample -> !sample.original()).toList();
        assertTrue(photos.size() >= 5, "the samples hold photos: " + photos);
        for (var sample : photos) {
            Path photo = SampleImages.DIR.resolve(sample.file());
            byte[] bytes = Files.readAllBytes(photo);
            DecodedImage decoded = new ImageDecoder(options).decode(bytes);
            GrayImage gray = GrayImage.upright(decoded);
            assertFalse(gray.passesThrough(), photo + " is fitted, not passed through");
            float[] levels = gray.values().clone();
            GarmentFit fresh = GarmentFit.of(gray, Background.of(gray), options, new float[levels.length]);
            assertArrayEquals(levels, gray.values(), 0f, photo + ": a fit into a fresh array leaves the levels as they were");
            assertArrayEquals(fresh.canvas(), new Preprocessor(options).preprocess(bytes).pixels(), 0f,
                photo + ": the preprocessor's fit in place");
        }
        GrayImage small = GrayImage.of(new java.awt.image.BufferedImage(4, 4, java.awt.image.BufferedImage.TYPE_3BYTE_BGR));
        var refused = assertThrows(IllegalArgumentException.class, () -> GarmentFit.of(small, Background.of(small), options, new float[5]),
            "an ink array of the wrong size is refused");
        assertTrue(refused.getMessage().contains("16"), refused.getMessage());
    }
}
