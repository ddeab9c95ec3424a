package dev.tffashion.e2e;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;

import javax.imageio.ImageIO;

import dev.tffashion.fashionmnist.DatasetLocator;
import dev.tffashion.fashionmnist.FashionMnist;
import dev.tffashion.fashionmnist.Split;

/** The Fashion-MNIST test images (the real data set, found as learn finds it) as 28x28 grayscale PNG files to drop. */
public final class TestImages {

    private final Split test;

    private TestImages(Split test) {
        this.test = test;
    }

    /** Loads the test split (Debian's dataset-fashion-mnist, ~/.keras, or a verified download). */
    public static TestImages load() throws IOException {
        return new TestImages(FashionMnist.load(DatasetLocator.defaults()).test());
    }

    /** Number of test images (10000). */
    public int count() {
        return test.count();
    }

    /** The label (0..9) of a test image. */
    public int label(int index) {
        return test.label(index);
    }

    /** The image's pixels scaled to [0,1], as the model takes them. */
    public float[] pixels(int index) {
        return test.image(index);
    }

    /** The test image as a PNG, pixels as stored (light garment on dark). */
    public byte[] png(int index) {
        var raw = test.rawImage(index);
        var image = new BufferedImage(FashionMnist.IMAGE_SIZE, FashionMnist.IMAGE_SIZE, BufferedImage.TYPE_BYTE_GRAY);
        var values = new int[raw.length];
        for (int i = 0; i < raw.length; i++) {
            values[i] = raw[i] & 0xff;
        }
        image.getRaster().setPixels(0, 0, FashionMnist.IMAGE_SIZE, FashionMnist.IMAGE_SIZE, values);
        var out = new ByteArrayOutputStream();
        try {
            ImageIO.write(image, "png", out);
        } catch (IOException e) {
            throw new IllegalStateException("PNG encoding of test image " + index + " failed", e);
        }
        return out.toByteArray();
    }

    /**
     * The test image as a dark-on-white shop photo: inverted, scaled up 9x onto an off-square white canvas off centre, tinted
     * (RGB), encoded in the given ImageIO format (jpeg, gif, bmp, png), as people photograph garments.
     */
    public byte[] shopPhoto(int index, String format) {
        var raw = test.rawImage(index);
        int scale = 9;
        int side = FashionMnist.IMAGE_SIZE * scale;
        var photo = new BufferedImage(side + 70, side + 20, BufferedImage.TYPE_INT_RGB);
        var g = photo.createGraphics();
        g.setColor(java.awt.Color.WHITE);
        g.fillRect(0, 0, photo.getWidth(), photo.getHeight());
        g.dispose();
        for (int y = 0; y < side; y++) {
            for (int x = 0; x < side; x++) {
                int v = raw[(y / scale) * FashionMnist.IMAGE_SIZE + x / scale] & 0xff;
                int dark = 255 - v;
                int rgb = (Math.min(255, dark + 10) << 16) | (Math.min(255, dark + 5) << 8) | dark;
                photo.setRGB(x + 50, y + 6, rgb);
            }
        }
        var out = new ByteArrayOutputStream();
        try {
            if (!ImageIO.write(photo, format, out)) {
                throw new IllegalStateException("no ImageIO writer for " + format);
            }
        } catch (IOException e) {
            throw new IllegalStateException(format + " encoding of test image " + index + " failed", e);
        }
        return out.toByteArray();
    }
}
