package dev.tffashion.imaging;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * Test support: a row of photos made from consecutive Fashion-MNIST test images, each preprocessed and classified by a yardstick
 * model against its original; the row's figures printed, and what falls outside its limits returned.
 */
final class PhotoRows {

    /** Makes the photo of a Fashion-MNIST garment (784 bytes, light on dark). */
    @FunctionalInterface
    interface PhotoMaker {
        byte[] photo(byte[] garment, Random random);
    }

    /**
     * What a row must hold.
     *
     * @param maxAccuracyLoss the most points the photos may be under the originals
     * @param maxRefused      the most photos the preprocessor may refuse
     * @param rightSide       the least fraction of photos whose {@code inverted} note is right
     */
    record Limits(float maxAccuracyLoss, int maxRefused, double rightSide) {
    }

    private PhotoRows() {
    }

    /**
     * One row: the photos of test images {@code first} to {@code first + count - 1}, made in that order with {@code random}, their
     * garment darker than the backdrop when {@code darkGarment}.
     */
    static List<String> row(SoftmaxClassifier model, String name, int first, int count, Random random, boolean darkGarment,
        PhotoMaker maker, Limits limits) throws Exception {
        FashionMnistFiles.Images test = FashionMnistFiles.test();
        Preprocessor preprocessor = new Preprocessor();
        int originalsRight = 0;
        int photosRight = 0;
        int rightSide = 0;
        List<String> refused = new ArrayList<>();
        for (int index = first; index < first + count; index++) {
            byte[] photo = maker.photo(test.image(index), random);
            originalsRight += model.predict(test.unit(index)) == test.label(index) ? 1 : 0;
            try {
                ModelInput seen = preprocessor.preprocess(photo);
                photosRight += model.predict(seen.pixels()) == test.label(index) ? 1 : 0;
                rightSide += Boolean.parseBoolean(seen.notes().get(ModelInput.Notes.INVERTED)) == darkGarment ? 1 : 0;
            } catch (ImageRejectedException e) {
                refused.add(index + " (" + e.reason() + ")");
            }
        }
        float originals = 100f * originalsRight / count;
        float photos = 100f * photosRight / count;
        System.out.printf(Locale.ROOT, "%-40s n=%d  originals %.1f%%  photos %.1f%%  on the right side %d  refused %d%n", name,
            count, originals, photos, rightSide, refused.size());
        List<String> failures = new ArrayList<>();
        if (refused.size() > limits.maxRefused()) {
            failures.add(name + ": " + refused.size() + " refused, e.g. " + refused.subList(0, Math.min(3, refused.size())));
        }
        if (originals - photos > limits.maxAccuracyLoss()) {
            failures.add(name + ": photos " + photos + "% vs originals " + originals + "%");
        }
        if (rightSide < limits.rightSide() * count) {
            failures.add(name + ": the inverted note is right on " + rightSide + " of " + count);
        }
        return failures;
    }
}
