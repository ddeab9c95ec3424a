package dev.tffashion.imaging;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.zip.GZIPInputStream;

/** Test support: the real Fashion-MNIST IDX files (Debian's dataset-fashion-mnist), read directly and checked by MD5. */
final class FashionMnistFiles {

    static final String[] CLASS_NAMES = {
        "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"};
    static final int PIXELS = 28 * 28;

    private static final Path DIR = Path.of(System.getProperty("fashion-mnist.dir", "/usr/share/datasets/fashion-mnist"));
    private static Images test;
    private static Images train;

    /** Images (unsigned bytes, row-major, 784 each) with their labels. */
    record Images(byte[] pixels, byte[] labels, int count) {

        byte[] image(int index) {
            byte[] out = new byte[PIXELS];
            System.arraycopy(pixels, index * PIXELS, out, 0, PIXELS);
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
        if (test == null) {
            test = load("t10k", "8181f5470baa50b63fa0f6fddb340f0a", "15d484375f8d13e6eb1aabb0c3f46965");
        }
        return test;
    }

    static synchronized Images train() {
        if (train == null) {
            train = load("train", "f4a8712d7a061bf5bd6d2ca38dc4d50a", "9018921c3c673c538a1fc5bad174d6f9");
        }
        return train;
    }

    private static Images load(String prefix, String imagesMd5, String labelsMd5) {
        byte[] images = read(DIR.resolve(prefix + "-images-idx3-ubyte.gz"), imagesMd5, 0x00000803, 16);
        byte[] labels = read(DIR.resolve(prefix + "-labels-idx1-ubyte.gz"), labelsMd5, 0x00000801, 8);
        int count = labels.length;
        if (images.length != count * PIXELS) {
            throw new IllegalStateException(prefix + ": " + images.length / PIXELS + " images but " + count + " labels");
        }
        return new Images(images, labels, count);
    }

    private static byte[] read(Path file, String md5, int magic, int headerBytes) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalStateException("Fashion-MNIST file " + file + " is missing: install the Debian package"
                + " dataset-fashion-mnist, or point -Dfashion-mnist.dir at a folder with the four .gz files.");
        }
        byte[] all;
        try (InputStream in = new GZIPInputStream(Files.newInputStream(file))) {
            all = in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + file, e);
        }
        String actual;
        try {
            actual = HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(all));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        if (!actual.equals(md5)) {
            throw new IllegalStateException(file + " is not the published Fashion-MNIST file: MD5 " + actual + ", expected " + md5);
        }
        int found = ((all[0] & 0xFF) << 24) | ((all[1] & 0xFF) << 16) | ((all[2] & 0xFF) << 8) | (all[3] & 0xFF);
        if (found != magic) throw new IllegalStateException(file + ": IDX magic " + Integer.toHexString(found));
        byte[] body = new byte[all.length - headerBytes];
        System.arraycopy(all, headerBytes, body, 0, body.length);
        return body;
    }
}
