package dev.tffashion.imaging;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The acceptance, with a yardstick model: the same garments as dark-on-white shop photos (larger, off-square,
 * RGB, RGBA with transparency, JPEG, GIF, BMP) are classified within 3 points of the accuracy on the originals, and the
 * preprocessed photos are close to the original 28x28 pixels.
 */
class ShopPhotoAgreementTest {

    private static final int IMAGES = 1000;
    private static SoftmaxClassifier model;

    @BeforeAll
    static void train() {
        long start = System.nanoTime();
        model = SoftmaxClassifier.train(FashionMnistFiles.train(), 3, 42);
        System.out.printf("yardstick softmax regression trained in %.1f s%n", (System.nanoTime() - start) / 1e9);
    }

    @Test
    void shopPhotosAreClassifiedWithinThreePointsOfTheOriginals() throws Exception {
        FashionMnistFiles.Images test = FashionMnistFiles.test();
        Random random = new Random(7);
        ShopPhotos.Kind[] kinds = ShopPhotos.Kind.values();
        ShopPhotos.Photo[] photos = new ShopPhotos.Photo[IMAGES];
        for (int n = 0; n < IMAGES; n++) {
            photos[n] = ShopPhotos.make(test.image(n), kinds[n % kinds.length], random, 300);
        }
        Result box = run(PreprocessorOptions.defaults(), photos);
        Result mass = run(PreprocessorOptions.defaults().withCentering(Centering.CENTER_OF_MASS), photos);
        box.print("bounding box (default)");
        mass.print("centre of mass");
        assertTrue(box.originalAccuracy() - box.photoAccuracy() <= 3.0,
            "shop photos " + box.photoAccuracy() + "% vs originals " + box.originalAccuracy() + "%");
        assertTrue(box.meanAbsoluteDifference() < 0.06, "mean absolute pixel difference " + box.meanAbsoluteDifference());
    }

    private static Result run(PreprocessorOptions options, ShopPhotos.Photo[] photos) throws Exception {
        Preprocessor preprocessor = new Preprocessor(options);
        FashionMnistFiles.Images test = FashionMnistFiles.test();
        Result result = new Result();
        for (int n = 0; n < photos.length; n++) {
            float[] original = test.unit(n);
            float[] seen = preprocessor.preprocess(photos[n].bytes()).pixels();
            double diff = 0;
            for (int i = 0; i < 784; i++) diff += Math.abs(seen[i] - original[i]);
            result.add(photos[n].kind(), diff / 784, model.predict(original) == test.label(n), model.predict(seen) == test.label(n));
        }
        return result;
    }

    /** Agreement numbers, overall and per encoding. */
    private static final class Result {
        private final Map<ShopPhotos.Kind, double[]> byKind = new EnumMap<>(ShopPhotos.Kind.class);

        void add(ShopPhotos.Kind kind, double mad, boolean originalRight, boolean photoRight) {
            double[] s = byKind.computeIfAbsent(kind, k -> new double[4]);
            s[0]++;
            s[1] += mad;
            s[2] += originalRight ? 1 : 0;
            s[3] += photoRight ? 1 : 0;
        }

        private double total(int field) {
            return byKind.values().stream().mapToDouble(s -> s[field]).sum();
        }

        double originalAccuracy() {
            return 100 * total(2) / total(0);
        }

        double photoAccuracy() {
            return 100 * total(3) / total(0);
        }

        double meanAbsoluteDifference() {
            return total(1) / total(0);
        }

        void print(String label) {
            System.out.printf(Locale.ROOT, "%s: %d images, accuracy originals %.1f%%, shop photos %.1f%%, mean |diff| %.4f%n",
                label, (int) total(0), originalAccuracy(), photoAccuracy(), meanAbsoluteDifference());
            byKind.forEach((kind, s) -> System.out.printf(Locale.ROOT,
                "  %-8s n=%3d  originals %.1f%%  photos %.1f%%  mean |diff| %.4f%n",
                kind, (int) s[0], 100 * s[2] / s[0], 100 * s[3] / s[0], s[1] / s[0]));
        }
    }
}
