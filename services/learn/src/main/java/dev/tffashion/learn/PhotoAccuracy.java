package dev.tffashion.learn;

import java.util.Map;

/**
 * How a model does on product-photo-like pictures: Fashion-MNIST test images rendered in each of libs/imaging's
 * {@code PhotoForm}s (larger, coloured, dark on white, JPEG or transparent PNG), preprocessed by the {@code Preprocessor}
 * image-convert uses, then classified.
 *
 * @param accuracy fraction right over all forms
 * @param images   test images rendered per form (the first n of the test split)
 * @param forms    accuracy per form, by form name
 */
public record PhotoAccuracy(double accuracy, int images, Map<String, Double> forms) {
}
