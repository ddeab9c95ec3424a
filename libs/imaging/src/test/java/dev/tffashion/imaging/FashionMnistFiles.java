package dev.tffashion.imaging;

import dev.tffashion.fashionmnist.DatasetLocator;
import dev.tffashion.fashionmnist.FashionMnist;
import dev.tffashion.fashionmnist.Split;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/**
 * Test support: the real Fashion-MNIST (Debian's dataset-fashion-mnist, or {@code -Dfashion-mnist.dir}), found, checked by MD5
 * and read by libs/fashion-mnist; never downloaded by a test.
 */
final class FashionMnistFiles {

    static final String[] CLASS_NAMES = FashionMnist.CLASS_NAMES.toArray(new String[0]);
    static final int PIXELS = FashionMnist.PIXELS;

    private static final Path DIR = Path.of(System.getProperty("fashion-mnist.dir", "/usr/share/datasets/fashion-mnist"));
    private static FashionMnist dataset;
    private static Images test;
    private static Images train;

    /** Images (unsigned bytes, row-major, 784 each) with their labels. */
    record Images(byte[] pixels, byte[] labels, int count) {

        byte[] image(int index) {
            byte[] out = new byte[PIXELS];
            System.arraycopy(pixels, index * PIXELS, out, 0, PIXELS);
            return out;
        }

        /** The image as the model reads it: pixel / 255, row-major. */
        float[] unit(int index) {
            float[] out = new float[PIXELS];
            for (int i = 0; i < PIXELS; i++) out[i] = (pixels[index * PIXELS + i] & 0xFF) / 255f;
            return out;
        }

        int label(int index) {
            return labels[index];
        }

        /** The index of the first image of a class. */
        int firstOf(int label) {
            for (int i = 0; i < count; i++) {
                if (labels[i] == label) return i;
            }
            throw new IllegalArgumentException("no image of class " + label);
        }
    }

    private FashionMnistFiles() {
    }

    static synchronized Images test() {
        if (test == null) test = images(dataset().test());
        return test;
    }

    static synchronized Images train() {
        if (train == null) train = images(dataset().train());
        return train;
    }

    private static synchronized FashionMnist dataset() {
        if (dataset == null) {
            try {
                dataset = FashionMnist.load(DatasetLocator.builder().folder(DIR).download(false).settingPrefix("fashion-mnist.dir")
                    .build());
            } catch (IOException e) {
                throw new UncheckedIOException("reading Fashion-MNIST from " + DIR, e);
            }
        }
        return dataset;
    }

    private static Images images(Split split) {
        return new Images(split.rawPixels(), split.labels(), split.count());
    }
}
