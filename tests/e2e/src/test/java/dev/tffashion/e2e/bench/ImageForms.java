package dev.tffashion.e2e.bench;

import java.util.function.BiFunction;

import dev.tffashion.e2e.TestImages;
import dev.tffashion.imaging.PhotoForm;

/**
 * The forms in which the agreement run sends the Fashion-MNIST test images (issue 17, "agreement through the preprocessing"):
 * the 28x28 grayscale PNG that image-convert passes through untouched, and two that go through the real preprocessing,
 * rendered by libs/imaging's {@link PhotoForm} (the same pictures learn's {@code photoAccuracy} is measured on).
 */
enum ImageForms {

    /** 28x28 8-bit grayscale PNG, light garment on dark, as stored: image-convert's passthrough. */
    PNG_28_GRAY("28x28 grayscale PNG (passthrough)", (images, i) -> images.png(i)),
    /** {@link PhotoForm#JPEG_56_RGB}. */
    JPEG_56_RGB(PhotoForm.JPEG_56_RGB),
    /** {@link PhotoForm#PNG_100X120_RGBA}. */
    PNG_100X120_RGBA(PhotoForm.PNG_100X120_RGBA);

    private final String description;
    private final BiFunction<TestImages, Integer, byte[]> encoder;

    ImageForms(String description, BiFunction<TestImages, Integer, byte[]> encoder) {
        this.description = description;
        this.encoder = encoder;
    }

    ImageForms(PhotoForm form) {
        this(form.description(), (images, i) -> form.render(images.pixels(i)));
    }

    String description() {
        return description;
    }

    byte[] encode(TestImages images, int index) {
        return encoder.apply(images, index);
    }
}
