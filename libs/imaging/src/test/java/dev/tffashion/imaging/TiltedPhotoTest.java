package dev.tffashion.imaging;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A garment photographed a little askew: Fashion-MNIST's garments are all upright, and a yardstick model trained on them
 * loses much of its accuracy when a garment leans 10 to 15 degrees. The same garments as dark JPEG photos on white, turned 5 to 30 degrees
 * either way, are straightened ({@link Tilt}) and classified within 5 points of the originals, while the same photos
 * without straightening lose far more (so the check measures the straightening); upright photos are left almost all as
 * they are, and classified as well as without it.
 */
class TiltedPhotoTest {

    private static final int PER_TILT = 200;
    /** The first test image used; other tests start elsewhere. */
    private static final int FIRST_IMAGE = 6000;
    private static final float MAX_ACCURACY_LOSS = 5f;
    /** Without straightening, photos turned this far or more lose at least {@link #MIN_LOSS_UNSTRAIGHTENED} points. */
    private static final double CLEARLY_TILTED = 10;
    private static final float MIN_LOSS_UNSTRAIGHTENED = 10f;
    /**
     * On photos turned {@link #CLEARLY_TILTED} degrees or more, the {@code straightened} note is within this many degrees of the
     * turn (below that, a photo read as turned by less than {@link Tilt#MIN_DEGREES} is rightly left as it is, without a note)...
     */
    private static final double NOTE_TOLERANCE = 3;
    /** ... on at least this fraction of the photos. */
    private static final double NOTE_WITHIN = 0.9;
    private static SoftmaxClassifier model;

    @BeforeAll
    static void train() {
        model = SoftmaxClassifier.train(FashionMnistFiles.train(), 3, 42);
    }

    @Test
    void garmentsPhotographedAskewAreStraightenedAndClassifiedLikeTheOriginals() throws Exception {
        FashionMnistFiles.Images test = FashionMnistFiles.test();
        Preprocessor straightening = new Preprocessor();
        Preprocessor not = new Preprocessor(PreprocessorOptions.defaults().withStraighten(false));
        List<String> failures = new ArrayList<>();
        for (double degrees : new double[] {5, 10, 20, 30}) {
            Random random = new Random(31 + (long) degrees);
            int originalsRight = 0;
            int straightenedRight = 0;
            int unstraightenedRight = 0;
            int noteWithin = 0;
            for (int n = 0; n < PER_TILT; n++) {
                int index = FIRST_IMAGE + n;
                byte[] garment = test.image(index);
                double tilt = random.nextBoolean() ? degrees : -degrees;
                byte[] jpeg = photo(garment, tilt, random);
                ModelInput seen = straightening.preprocess(jpeg);
                originalsRight += model.predict(test.unit(index)) == test.label(index) ? 1 : 0;
                straightenedRight += model.predict(seen.pixels()) == test.label(index) ? 1 : 0;
                unstraightenedRight += model.predict(not.preprocess(jpeg).pixels()) == test.label(index) ? 1 : 0;
                String note = seen.notes().get(ModelInput.Notes.STRAIGHTENED);
                if (note != null && Math.abs(Double.parseDouble(note) - tilt) <= NOTE_TOLERANCE) noteWithin++;
            }
            float originals = 100f * originalsRight / PER_TILT;
            float straightened = 100f * straightenedRight / PER_TILT;
            float unstraightened = 100f * unstraightenedRight / PER_TILT;
            System.out.printf(Locale.ROOT, "tilt %4.1f  n=%d  originals %.1f%%  straightened %.1f%%  not straightened %.1f%%"
                + "  note within %.0f degrees %d%n", degrees, PER_TILT, originals, straightened, unstraightened, NOTE_TOLERANCE,
                noteWithin);
            if (originals - straightened > MAX_ACCURACY_LOSS) {
                failures.add(degrees + " degrees: straightened " + straightened + "% vs originals " + originals + "%");
            }
            if (degrees >= CLEARLY_TILTED && originals - unstraightened < MIN_LOSS_UNSTRAIGHTENED) {
                failures.add(degrees + " degrees: without straightening " + unstraightened + "% vs originals " + originals
                    + "%: the photos are not tilted enough to test it");
            }
            if (degrees >= CLEARLY_TILTED && noteWithin < NOTE_WITHIN * PER_TILT) {
                failures.add(degrees + " degrees: the straightened note is within " + NOTE_TOLERANCE + " degrees on " + noteWithin
                    + " of " + PER_TILT);
            }
        }
        assertTrue(failures.isEmpty(), String.join("; ", failures));
    }

    @Test
    void uprightPhotosAreMostlyLeftAsTheyAreAndClassifiedAsWell() throws Exception {
        FashionMnistFiles.Images test = FashionMnistFiles.test();
        Preprocessor straightening = new Preprocessor();
        Preprocessor not = new Preprocessor(PreprocessorOptions.defaults().withStraighten(false));
        Random random = new Random(29);
        int n = 2 * PER_TILT;
        int turned = 0;
        int straightenedRight = 0;
        int unstraightenedRight = 0;
        for (int k = 0; k < n; k++) {
            int index = FIRST_IMAGE + k;
            byte[] jpeg = photo(test.image(index), 0, random);
            ModelInput seen = straightening.preprocess(jpeg);
            turned += seen.notes().containsKey(ModelInput.Notes.STRAIGHTENED) ? 1 : 0;
            straightenedRight += model.predict(seen.pixels()) == test.label(index) ? 1 : 0;
            unstraightenedRight += model.predict(not.preprocess(jpeg).pixels()) == test.label(index) ? 1 : 0;
        }
        System.out.printf(Locale.ROOT, "upright  n=%d  turned %d  straightening on %.1f%%  off %.1f%%%n", n, turned,
            100f * straightenedRight / n, 100f * unstraightenedRight / n);
        assertTrue(turned <= n / 10, turned + " of " + n + " upright photos were turned");
        assertTrue(straightenedRight >= unstraightenedRight - n / 100,
            "upright photos: " + straightenedRight + " right with straightening, " + unstraightenedRight + " without");
    }

    /**
     * A photo of the garment turned {@code degrees} clockwise about its centre: dark (luma 30-90) on white (238-252), enlarged to
     * 220-300 pixels with a sharp or a soft silhouette, on a square canvas with room for the turned garment, JPEG.
     */
    static byte[] photo(byte[] garment, double degrees, Random random) {
        int side = 220 + random.nextInt(81);
        int size = (int) (side * 1.5) + 40 + random.nextInt(60);
        float[] ink = ShopPhotos.enlarge(garment, side, random.nextBoolean());
        int colour = 30 + random.nextInt(61);
        double paper = 238 + random.nextInt(15);
        double radians = Math.toRadians(degrees);
        double cos = Math.cos(radians);
        double sin = Math.sin(radians);
        double centre = size / 2.0;
        return ShopPhotos.grayJpeg(size, paper, colour, (x, y) -> {
            // the garment's point that lands on (x, y): (x, y) turned back about the centre
            double u = cos * (x - centre) + sin * (y - centre) + side / 2.0;
            double v = -sin * (x - centre) + cos * (y - centre) + side / 2.0;
            int gx = (int) Math.floor(u);
            int gy = (int) Math.floor(v);
            return gx >= 0 && gx < side && gy >= 0 && gy < side ? ink[gy * side + gx] / 255.0 : 0;
        });
    }
}
