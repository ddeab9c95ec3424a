package dev.tffashion.imaging;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/** The committed samples are there, small, and convert back to their Fashion-MNIST originals. */
class SampleImagesTest {

    private final Preprocessor preprocessor = new Preprocessor();

    @Test
    void everySampleConvertsBackToItsOriginal() throws Exception {
        FashionMnistFiles.Images test = FashionMnistFiles.test();
        for (SampleImages.Sample sample : SampleImages.ALL) {
            Path file = SampleImages.DIR.resolve(sample.file());
            assertTrue(Files.isRegularFile(file), file + " is missing: run samples/images/generate.sh");
            byte[] bytes = Files.readAllBytes(file);
            assertTrue(bytes.length <= 64 * 1024, file + " should stay under 64 KiB, has " + bytes.length);
            byte[] garment = test.image(test.firstOf(sample.label()));
            ModelInput tensor = preprocessor.preprocess(bytes);
            double diff = 0;
            for (int i = 0; i < 784; i++) diff += Math.abs(tensor.pixels()[i] - (garment[i] & 0xFF) / 255f);
            diff /= 784;
            System.out.printf(Locale.ROOT, "%-36s mean |diff| %.4f  %s%n", sample.file(), diff, tensor.notes());
            if (sample.original()) {
                assertArrayEquals(garment, FashionMnistPassthroughTest.previewBytes(tensor), sample.file());
                assertEquals("true", tensor.notes().get(ModelInput.Notes.PASSTHROUGH));
            } else {
                assertEquals("true", tensor.notes().get(ModelInput.Notes.INVERTED), sample.file());
                assertTrue(diff < 0.10, sample.file() + ": mean absolute difference " + diff);
            }
        }
    }
}
