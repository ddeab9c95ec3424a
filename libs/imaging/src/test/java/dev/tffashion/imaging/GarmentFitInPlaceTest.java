package dev.tffashion.imaging;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

/**
 * The preprocessor fits the garment into the gray levels' own array ({@link GarmentFit#of(GrayImage, Background,
 * PreprocessorOptions, float[])}); the fit must be the one made into a fresh array, which leaves the levels as they were.
 */
class GarmentFitInPlaceTest {

    @Test
    void theFitInPlaceIsTheFitIntoAFreshArray() throws Exception {
        List<Path> photos;
        try (Stream<Path> files = Files.list(SampleImages.DIR)) {
            photos = files.filter(p -> !p.toString().endsWith(".md") && !p.toString().endsWith(".sh")).sorted().toList();
        }
        var options = PreprocessorOptions.defaults();
        int fitted = 0;
        for (Path photo : photos) {
            byte[] bytes = Files.readAllBytes(photo);
            DecodedImage decoded = new ImageDecoder(options).decode(bytes);
            GrayImage gray = GrayImage.of(decoded.image()).oriented(decoded.orientation());
            if (gray.passesThrough()) {
                continue;
            }
            float[] levels = gray.values().clone();
            GarmentFit fresh = GarmentFit.of(gray, Background.of(gray), options);
            assertArrayEquals(levels, gray.values(), 0f, photo + ": a fit into a fresh array leaves the levels as they were");
            assertArrayEquals(fresh.canvas(), new Preprocessor(options).preprocess(bytes).pixels(), 0f,
                photo + ": the preprocessor's fit in place");
            fitted++;
        }
        assertTrue(fitted >= 5, "the sample photos are fitted, not passed through: " + fitted);
        GrayImage small = GrayImage.of(new java.awt.image.BufferedImage(4, 4, java.awt.image.BufferedImage.TYPE_3BYTE_BGR));
        try {
            GarmentFit.of(small, Background.of(small), options, new float[5]);
            throw new AssertionError("an ink array of the wrong size is refused");
        } catch (IllegalArgumentException expected) {
            assertTrue(expected.getMessage().contains("16"), expected.getMessage());
        }
    }
}
