package dev.tffashion.imaging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Set;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;

class WarmupTest {

    @Test
    void everyDrawnPictureIsOneUsersDropAndIsAccepted() throws Exception {
        var decoder = new Preprocessor().decoder();
        Set<ImageFormat> formats = Warmup.pictures().stream().map(bytes -> {
            try {
                return decoder.inspect(bytes).format();
            } catch (ImageRejectedException e) {
                throw new AssertionError(e);
            }
        }).collect(Collectors.toSet());
        assertEquals(Set.of(ImageFormat.PNG, ImageFormat.JPEG, ImageFormat.GIF, ImageFormat.BMP), formats);
        for (byte[] picture : Warmup.pictures()) {
            var input = new Preprocessor().preprocess(picture);
            float max = 0;
            for (float v : input.pixels()) {
                max = Math.max(max, v);
            }
            assertTrue(max > 0.5f, "the garment shows light on dark: " + input.notes());
        }
        long straightened = Warmup.pictures().stream().filter(bytes -> {
            try {
                return new Preprocessor().preprocess(bytes).notes().containsKey(ModelInput.Notes.STRAIGHTENED);
            } catch (ImageRejectedException e) {
                throw new AssertionError(e);
            }
        }).count();
        assertEquals(1, straightened, "one drawn picture leans, so the turn is compiled too");
    }

    @Test
    void stopsAtTheCountOrTheBudget() throws Exception {
        assertEquals(12, Warmup.run(new Preprocessor(), 12, Duration.ofMinutes(1)).pictures());
        assertEquals(0, Warmup.run(new Preprocessor(), 1000, Duration.ZERO).pictures());
    }
}
