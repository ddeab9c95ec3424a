package dev.tffashion.learn.training;

import dev.tffashion.fashionmnist.FashionMnist;
import dev.tffashion.learn.Recipe.Augmentation;
import java.util.SplittableRandom;

/**
 * On-the-fly augmentation of training images (28x28, row-major, values in [0,1], dark background): a left-right mirror,
 * a shift and a zoom about the centre, drawn per image from a generator seeded by the recipe, so a run repeats exactly.
 * Garments are left-right symmetric enough for the mirror; an up-down flip or rotation would make other garments.
 * Pixels are resampled bilinearly; what comes from outside the picture is background (0).
 */
final class Augmenter {

    private static final int SIZE = FashionMnist.IMAGE_SIZE;
    private static final double CENTRE = (SIZE - 1) / 2.0;

    private final Augmentation augmentation;
    private final SplittableRandom random;
    private final float[] source = new float[FashionMnist.PIXELS];

    Augmenter(Augmentation augmentation, long seed) {
        this.augmentation = augmentation;
        this.random = new SplittableRandom(seed ^ 0x6175676d656e74L);
    }

    /** Changes the image at {@code offset} in {@code images} in place (nothing when the augmentation is off). */
    void apply(float[] images, int offset) {
        if (!augmentation.enabled()) {
            return;
        }
        boolean flip = augmentation.flip() && random.nextBoolean();
        int shift = augmentation.shift();
        double dx = shift == 0 ? 0 : random.nextInt(-shift, shift + 1);
        double dy = shift == 0 ? 0 : random.nextInt(-shift, shift + 1);
        double zoom = augmentation.scale() == 0 ? 1 : 1 + (random.nextDouble() * 2 - 1) * augmentation.scale();
        transform(images, offset, flip, dx, dy, zoom);
    }

    /** Output pixel (x, y) takes the source at ((x - centre - dx) / zoom + centre), mirrored first when flipped. */
    void transform(float[] images, int offset, boolean flip, double dx, double dy, double zoom) {
        System.arraycopy(images, offset, source, 0, FashionMnist.PIXELS);
        for (int y = 0; y < SIZE; y++) {
            double sy = (y - CENTRE - dy) / zoom + CENTRE;
            for (int x = 0; x < SIZE; x++) {
                double sx = (x - CENTRE - dx) / zoom + CENTRE;
                if (flip) {
                    sx = SIZE - 1 - sx;
                }
                images[offset + y * SIZE + x] = sample(sx, sy);
            }
        }
    }

    private float sample(double x, double y) {
        int x0 = (int) Math.floor(x);
        int y0 = (int) Math.floor(y);
        double fx = x - x0;
        double fy = y - y0;
        double top = pixel(x0, y0) * (1 - fx) + pixel(x0 + 1, y0) * fx;
        double bottom = pixel(x0, y0 + 1) * (1 - fx) + pixel(x0 + 1, y0 + 1) * fx;
        return (float) (top * (1 - fy) + bottom * fy);
    }

    private float pixel(int x, int y) {
        return x < 0 || y < 0 || x >= SIZE || y >= SIZE ? 0f : source[y * SIZE + x];
    }
}
