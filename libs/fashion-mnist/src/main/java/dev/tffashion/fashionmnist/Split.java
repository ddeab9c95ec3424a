package dev.tffashion.fashionmnist;

import java.util.Arrays;

/**
 * One part of the dataset (train or test): raw pixels as stored (light garment on dark, 0..255, row-major 28x28) and
 * labels 0..9. Float views scale pixels to [0,1] by dividing by 255.
 */
public final class Split {

    private final String name;
    private final int count;
    private final byte[] pixels;
    private final byte[] labels;

    /**
     * @param name   "train" or "test"
     * @param pixels {@code count * 784} unsigned bytes
     * @param labels {@code count} labels in 0..9
     */
    public Split(String name, byte[] pixels, byte[] labels) {
        if (pixels.length != labels.length * FashionMnist.PIXELS) {
            throw new IllegalArgumentException("%s: %d pixel bytes do not make %d images of %d pixels"
                .formatted(name, pixels.length, labels.length, FashionMnist.PIXELS));
        }
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0 || labels[i] >= FashionMnist.CLASSES) {
                throw new IllegalArgumentException("%s: label %d of example %d is outside 0..9".formatted(name, labels[i], i));
            }
        }
        this.name = name;
        this.count = labels.length;
        this.pixels = pixels;
        this.labels = labels;
    }

    /** "train" or "test". */
    public String name() {
        return name;
    }

    /** Number of examples. */
    public int count() {
        return count;
    }

    /** The label (0..9) of one example. */
    public int label(int index) {
        return labels[index];
    }

    /** The raw pixels of one image (784 unsigned bytes, a copy). */
    public byte[] rawImage(int index) {
        return Arrays.copyOfRange(pixels, index * FashionMnist.PIXELS, (index + 1) * FashionMnist.PIXELS);
    }

    /** One image as 784 floats in [0,1]. */
    public float[] image(int index) {
        float[] image = new float[FashionMnist.PIXELS];
        copyImage(index, image, 0);
        return image;
    }

    /** Writes one image as 784 floats in [0,1] into {@code target} from {@code offset}; used to build batches. */
    public void copyImage(int index, float[] target, int offset) {
        int base = index * FashionMnist.PIXELS;
        for (int p = 0; p < FashionMnist.PIXELS; p++) {
            target[offset + p] = (pixels[base + p] & 0xff) / 255f;
        }
    }

    /** All images as {@code count * 784} floats in [0,1] (a new array: 188 MB for the training split). */
    public float[] images() {
        float[] all = new float[count * FashionMnist.PIXELS];
        for (int i = 0; i < count; i++) {
            copyImage(i, all, i * FashionMnist.PIXELS);
        }
        return all;
    }

    /** All labels (a copy). */
    public byte[] labels() {
        return labels.clone();
    }

    /** All raw pixels (a copy), exactly as in the IDX file. */
    public byte[] rawPixels() {
        return pixels.clone();
    }

    /** The first {@code max} examples (or all, if there are fewer). */
    public Split limit(int max) {
        if (max >= count) {
            return this;
        }
        return new Split(name, Arrays.copyOf(pixels, max * FashionMnist.PIXELS), Arrays.copyOf(labels, max));
    }
}
