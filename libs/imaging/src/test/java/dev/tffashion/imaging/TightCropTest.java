package dev.tffashion.imaging;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A photo cropped to the garment, with no margin: the garment touches all four edges, so it covers much of the frame the
 * background is read from. Pieces of the frame it only partly covers passed the fit's tolerances, the fitted surface bowed
 * towards the garment, the grain read tens of gray levels, and the garment's fainter parts fell under the noise floor: the
 * crop lost them (a yardstick model 7 to 8 points under the originals on these photos). The background now falls back to its
 * flat level when the fitted surface stands much further from the frame's pixels than the level does, and the grain is read
 * on the backdrop's side of the surface.
 */
class TightCropTest {

    private static final int PHOTOS = 900;
    /** The first test image used; other tests start elsewhere. */
    private static final int FIRST_IMAGE = 3000;
    /**
     * Within 5 points of the originals, the {@code inverted} note right on 98 % or more; a few of Fashion-MNIST's faintest
     * garments may stay under the blank limit once their edges are cut off, no more than one in 200.
     */
    private static final PhotoRows.Limits LIMITS = new PhotoRows.Limits(5f, PHOTOS / 200, 0.98);
    private static SoftmaxClassifier model;

    @BeforeAll
    static void train() {
        model = SoftmaxClassifier.train(FashionMnistFiles.train(), 3, 42);
    }

    @Test
    void aGarmentCroppedToItsEdgesIsClassifiedNearlyAsWellAsTheOriginal() throws Exception {
        List<String> failures = new ArrayList<>();
        failures.addAll(row("dark garment on white, cropped to it", true));
        failures.addAll(row("light garment on black, cropped to it", false));
        assertTrue(failures.isEmpty(), String.join("; ", failures));
    }

    private static List<String> row(String name, boolean darkGarment) throws Exception {
        return PhotoRows.row(model, name, FIRST_IMAGE, PHOTOS, new Random(7), darkGarment, (garment, random) -> {
            int shade = darkGarment ? 30 + random.nextInt(61) : 200 + random.nextInt(41);
            int paper = darkGarment ? 238 + random.nextInt(15) : 20 + random.nextInt(41);
            return croppedPhoto(garment, shade, paper, random);
        }, LIMITS);
    }

    /** A JPEG of the garment enlarged to 220-300 pixels, sharp or soft, cut to the bounding box of its pixels. */
    private static byte[] croppedPhoto(byte[] garment, int shade, int paper, Random random) {
        int side = 220 + random.nextInt(81);
        float[] ink = ShopPhotos.enlarge(garment, side, random.nextBoolean());
        int left = side;
        int top = side;
        int right = -1;
        int bottom = -1;
        for (int y = 0; y < side; y++) {
            for (int x = 0; x < side; x++) {
                if (ink[y * side + x] > 0) {
                    left = Math.min(left, x);
                    top = Math.min(top, y);
                    right = Math.max(right, x);
                    bottom = Math.max(bottom, y);
                }
            }
        }
        int x0 = left;
        int y0 = top;
        return ShopPhotos.grayJpeg(right - left + 1, bottom - top + 1, paper, shade, (x, y) -> ink[(y + y0) * side + x + x0] / 255.0);
    }
}
