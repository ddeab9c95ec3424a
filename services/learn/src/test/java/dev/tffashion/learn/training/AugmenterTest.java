package dev.tffashion.learn.training;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.tffashion.learn.Recipe.Augmentation;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class AugmenterTest {

    private static float[] picture() {
        float[] image = new float[784];
        for (int y = 10; y < 20; y++) {
            for (int x = 5; x < 12; x++) {
                image[y * 28 + x] = (x + y) / 40f;
            }
        }
        return image;
    }

    @Test
    void flipMirrorsLeftRight() {
        float[] image = picture();
        float[] flipped = image.clone();
        new Augmenter(new Augmentation(true, 0, 0), 1).transform(flipped, 0, true, 0, 0, 1);
        for (int y = 0; y < 28; y++) {
            for (int x = 0; x < 28; x++) {
                assertEquals(image[y * 28 + 27 - x], flipped[y * 28 + x], 1e-6f);
            }
        }
    }

    @Test
    void shiftMovesByWholePixelsAndFillsWithBackground() {
        float[] image = picture();
        float[] shifted = image.clone();
        new Augmenter(new Augmentation(false, 2, 0), 1).transform(shifted, 0, false, 2, -1, 1);
        assertEquals(image[10 * 28 + 5], shifted[9 * 28 + 7], 1e-6f);
        assertEquals(0f, shifted[27 * 28 + 27]);
    }

    @Test
    void theSameSeedGivesTheSameImagesAndAnotherSeedOthers() {
        Augmentation augmentation = new Augmentation(true, 2, 0.1);
        float[] first = batch(new Augmenter(augmentation, 42));
        float[] second = batch(new Augmenter(augmentation, 42));
        float[] other = batch(new Augmenter(augmentation, 43));
        assertArrayEquals(first, second);
        assertFalse(Arrays.equals(first, other));
    }

    @Test
    void noAugmentationLeavesTheImage() {
        float[] image = picture();
        float[] copy = image.clone();
        new Augmenter(Augmentation.NONE, 1).apply(copy, 0);
        assertArrayEquals(image, copy);
    }

    private static float[] batch(Augmenter augmenter) {
        float[] images = new float[784 * 8];
        for (int i = 0; i < 8; i++) {
            System.arraycopy(picture(), 0, images, i * 784, 784);
            augmenter.apply(images, i * 784);
        }
        return images;
    }
}
